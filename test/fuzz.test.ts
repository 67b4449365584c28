// Throws thousands of random and mutated Dependencies files at the parser: nothing may escape as
// an exception, and every problem must be a clear, positioned message.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { binaryProblem, formatProblem, parseDependencies } from '../src/resolver/dependencies.js';
import { projectRoot } from './helpers/run.js';

function rng(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

const samplesDir = path.join(projectRoot, 'test/data/dependencies');
const samples = fs.readdirSync(samplesDir).map((f) => fs.readFileSync(path.join(samplesDir, f), 'utf8'));
const alphabet = 'abcXYZ019.,|#[]<>=! \t\r\n-_+:~/%\0\u00e9';

function mutate(text: string, next: (n: number) => number): string {
  const chars = [...text];
  for (let k = 1 + next(6); k > 0; k--) {
    const at = next(chars.length + 1);
    const choice = next(3);
    if (choice === 0) chars.splice(at, 1);
    else if (choice === 1) chars.splice(at, 0, alphabet[next(alphabet.length)]);
    else chars.splice(at, 0, ...chars.slice(next(chars.length + 1), next(chars.length + 1)));
  }
  return chars.join('');
}

function check(text: string) {
  const lines = text.split('\n').length;
  const result = parseDependencies(text, 'fuzz', { strict: text.length % 2 === 0 });
  for (const p of result.problems) {
    assert.ok(p.line >= 1 && p.line <= lines, `line ${p.line} of ${lines}`);
    assert.ok(p.column >= 1, `column ${p.column}`);
    assert.match(formatProblem(p), /^fuzz:\d+:\d+: \S/);
    assert.not.match(p.message, /undefined|NaN|\[object/);
  }
  for (const r of result.requirements) {
    assert.ok(r.alternatives.length >= 1);
    for (const a of r.alternatives) assert.not.match(a.name, /[/\0]|\.\./);
  }
}

test('5,000 mutated real files', () => {
  const next = rng(1);
  for (let i = 0; i < 5000; i++) check(mutate(samples[next(samples.length)], next));
});

test('3,000 random files', () => {
  const next = rng(2);
  for (let i = 0; i < 3000; i++) {
    let text = '';
    for (let j = next(120); j > 0; j--) text += alphabet[next(alphabet.length)];
    check(text);
  }
});

/** Lines of up to 1 MB shaped to hurt backtracking regular expressions, plus mutated real ones. */
export function hugeLines(): string[] {
  const n = 1 << 20;
  const shapes = [
    'A' + ' '.repeat(n) + 'x',
    'A >= 1' + '\t'.repeat(n) + 'x',
    'A ' + '>'.repeat(n),
    'A >= 1' + ','.repeat(n),
    'A' + '|'.repeat(n),
    'A >= ' + '1.'.repeat(n / 2),
    'A' + 'a'.repeat(n) + ' >= 1',
    '#'.repeat(n),
    'A [' + '['.repeat(n),
    'A' + ' >= 1 <'.repeat(n / 7),
    'X=a' + ' '.repeat(n) + 'b',
    'export' + ' A'.repeat(n / 2) + ' =',
    'X="' + '$'.repeat(n),
    'X=${' + 'A'.repeat(n),
    // Environment: many commands, assignments, expansions and problems on one line (the first two
    // as long as a metadata file may be: a scan of the rest of the line per command takes minutes).
    'A=1;'.repeat(n),
    'x;'.repeat(2 * n),
    'export ' + 'B=$A '.repeat(n / 5),
    '${#'.repeat(n / 3),
    'A=' + ':~'.repeat(n / 2),
    'A=${B:-'.repeat(n / 7),
  ];
  const next = rng(4);
  for (let i = 0; i < 6; i++) {
    let line = mutate(samples[next(samples.length)], next).split('\n')[0];
    while (line.length < n) line += line + alphabet[next(alphabet.length)];
    shapes.push(line.slice(0, n));
  }
  return shapes;
}

test('lines of up to 1 MB (4 MB for two): every parser stays linear (a hang guard, not a speed test) and never throws', () => {
  // In a child process with a guard far above what linear parsing needs (well under a second
  // here): a backtracking regular expression takes minutes on these and trips it.
  const script = `
    import { parseDependencies } from '${path.join(projectRoot, 'dist/src/resolver/dependencies.js')}';
    import { compileEnvironment } from '${path.join(projectRoot, 'dist/src/overlay/environment.js')}';
    import { parseCompatibilityList } from '${path.join(projectRoot, 'dist/src/resolver/compat.js')}';
    import { compareVersions } from '${path.join(projectRoot, 'dist/src/resolver/version.js')}';
    import { hugeLines } from '${path.join(projectRoot, 'dist/test/fuzz.test.js')}';
    let n = 0;
    for (const line of hugeLines()) {
      const parsed = parseDependencies(line + '\\nB >= 1\\n', 'huge');
      if (parsed.requirements.at(-1)?.name !== 'B') throw new Error('the line after a huge one was lost');
      compileEnvironment(line, 'huge');
      parseCompatibilityList(line + ': x');
      compareVersions(line.slice(0, 4096), line.slice(1, 4097));
      n++;
    }
    process.stdout.write(String(n));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, RUNNER_FUZZ_CHILD: '1' },
  });
  assert.is(result.signal, null, 'the guard was tripped: something is super-linear');
  assert.is(result.status, 0, result.stderr);
  assert.is(result.stdout.trim(), String(hugeLines().length));
});

test('random bytes are classified without throwing', () => {
  const next = rng(3);
  for (let i = 0; i < 2000; i++) {
    const bytes = Buffer.from(Array.from({ length: next(64) }, () => next(256)));
    const verdict = binaryProblem(bytes);
    assert.ok(verdict === undefined || /not a text file|ELF/.test(verdict));
  }
});

// Imported by the child above for its inputs: running the suite there would repeat it.
if (!process.env.RUNNER_FUZZ_CHILD) test.run();
