// Throws thousands of random and mutated Dependencies files at the parser: nothing may escape as
// an exception, and every problem must be a clear, positioned message.
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

test('random bytes are classified without throwing', () => {
  const next = rng(3);
  for (let i = 0; i < 2000; i++) {
    const bytes = Buffer.from(Array.from({ length: next(64) }, () => next(256)));
    const verdict = binaryProblem(bytes);
    assert.ok(verdict === undefined || /not a text file|ELF/.test(verdict));
  }
});

test.run();
