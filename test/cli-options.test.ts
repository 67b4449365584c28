// The command line for people: unknown options named as typed with the nearest known one,
// `--opt=value` for every option that takes a value, --help with every action, the exit codes and
// examples, each action's own --help, colour as no-color.org has it (on a real pseudo-terminal),
// and a man page that documents every option of the table the parser uses.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OPTIONS } from '../src/cli/options.js';
import { projectRoot } from './helpers/run.js';

const fixtures = path.join(projectRoot, 'fixtures');
const cli = path.join(projectRoot, 'dist/bundle/main.cjs');
const { NO_COLOR: _noColor, FORCE_COLOR: _forced, ...plainEnv } = process.env;
const env = { ...plainEnv, RUNNER_NO_CACHE: '1', TERM: 'xterm' };

const runner = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...env, ...extra }, cwd: '/' });

/** Runs Runner on a pseudo-terminal (util-linux `script`), as a person at a terminal does. */
const onTerminal = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  execFileSync('script', ['-qec', [process.execPath, cli, ...args].map((w) => `'${w}'`).join(' '), '/dev/null'], {
    encoding: 'utf8',
    env: { ...env, ...extra },
  });

const ESC = '\x1b[';

test('an unknown option is named as typed, with the nearest known one when it is close', () => {
  const typo = runner(['--resovle', 'App']);
  assert.equal(
    [typo.status, typo.stderr],
    [125, 'Runner: unknown option --resovle; did you mean --resolve? (see Runner --help)\n'],
  );
  const bogus = runner(['--bogus']);
  assert.equal([bogus.status, bogus.stderr], [125, 'Runner: unknown option --bogus (see Runner --help)\n']);
  const short = runner(['-x', 'app']);
  assert.equal([short.status, short.stderr], [125, 'Runner: unknown option -x (see Runner --help)\n']);
  const late = runner(['--resolve', 'App', '--jsno']);
  assert.is(late.stderr, 'Runner: unknown option --jsno; did you mean --json? (see Runner --help)\n');
  // After COMMAND, words are the command's: never taken for Runner's options.
  const launch = runner(['--root', fixtures, '--dry-run', 'app', '--resovle']);
  assert.is(launch.status, 0, launch.stderr);
});

test("--opt=value works for every option that takes a value, and for an action's first word", () => {
  const same = (a: string[], b: string[]) => {
    const [x, y] = [runner(a), runner(b)];
    assert.equal([x.status, x.stdout, x.stderr], [y.status, y.stdout, y.stderr], `${a.join(' ')} / ${b.join(' ')}`);
    return x;
  };
  const deps = path.join(fs.mkdtempSync('/tmp/runner-deps-'), 'Dependencies');
  fs.writeFileSync(deps, 'LibFoo < 2.0\n');
  const planned = same(
    [
      `--root=${fixtures}`,
      '--arch=x86_64',
      `--dependencies=${deps}`,
      '--with=App',
      '--color=never',
      '--dry-run',
      '--json',
      'sh',
      '-c',
      'true',
    ],
    [
      '--root',
      fixtures,
      '--arch',
      'x86_64',
      '--dependencies',
      deps,
      '--with',
      'App',
      '--color',
      'never',
      '--dry-run',
      '--json',
      'sh',
      '-c',
      'true',
    ],
  );
  assert.is(planned.status, 0, planned.stderr);
  assert.is(
    same(
      ['-a=x86_64', '--root', fixtures, '--resolve', 'App'],
      ['-a', 'x86_64', '--root', fixtures, '--resolve', 'App'],
    ).status,
    0,
  );
  assert.is(same([`--root=${fixtures}`, '--resolve=App'], ['--root', fixtures, '--resolve', 'App']).status, 0);
  assert.is(
    same([`--root=${fixtures}`, '--why=App', 'Greet'], ['--root', fixtures, '--why', 'App', 'Greet']).status,
    0,
  );
  assert.is(same(['--kill=no-such-view', '--signal=KILL'], ['--kill', 'no-such-view', '--signal', 'KILL']).status, 127);
  assert.is(same(['--enter=no-such-view', 'true'], ['--enter', 'no-such-view', 'true']).status, 127);
  assert.is(same(['--completion=fish'], ['--completion', 'fish']).status, 0);
  assert.is(
    same([`--root=${fixtures}`, '--complete=programs'], ['--root', fixtures, '--complete', 'programs']).status,
    0,
  );
  const named = same(
    [`--root=${fixtures}`, '--name=v1', '--dry-run', 'app'],
    ['--root', fixtures, '--name', 'v1', '--dry-run', 'app'],
  );
  assert.is(named.status, 0, named.stderr);
  const wrong = runner(['--color=sometimes', '--version']);
  assert.equal([wrong.status, wrong.stderr], [125, "Runner: --color takes auto, always, never, not 'sometimes'\n"]);
});

test("--help lists every action, the exit codes and three examples; ACTION --help shows that action's options", () => {
  const help = runner(['--help']);
  assert.is(help.status, 0);
  for (const action of [
    '--resolve',
    '--why',
    '--check',
    '--dry-run',
    '--index',
    '--desktop',
    '--name',
    '--list',
    '--enter',
    '--kill',
    '--rename',
    '--completion',
    '--version',
    '--with',
  ])
    assert.ok(help.stdout.includes(`Runner ${action}`) || help.stdout.includes(`| ${action}`), action);
  assert.match(help.stdout, /Exit codes: .*120 dependencies/s);
  const examples = help.stdout
    .slice(help.stdout.indexOf('Examples:'))
    .split('\n')
    .filter((l) => l.startsWith('  Runner '));
  assert.is(examples.length, 3);
  // Every option of the table is in the help.
  for (const key of Object.keys(OPTIONS)) assert.ok(help.stdout.includes(`--${key}`), key);

  const resolve = runner(['--resolve', '--help']);
  assert.is(resolve.status, 0);
  assert.match(resolve.stdout, /^Runner --resolve TARGET\n/);
  assert.match(resolve.stdout, /--json/);
  assert.match(resolve.stdout, /-a, --arch VALUE/);
  assert.not.match(resolve.stdout, /--pure|--signal|--remove/);
  const kill = runner(['--kill', 'x', '--help']);
  assert.match(kill.stdout, /^Runner --kill NAME \[--signal SIG\]\n/);
  assert.match(kill.stdout, /--signal VALUE/);
  assert.not.match(kill.stdout, /--arch/);
});

test('colour: on a terminal by default; off with NO_COLOR, --color=never or --no-color; on anywhere with --color=always or FORCE_COLOR', () => {
  const args = ['--root', fixtures, '--resolve', 'App'];
  assert.ok(onTerminal(args).includes(ESC), 'a terminal gets colour');
  assert.not.ok(onTerminal(args, { NO_COLOR: '1' }).includes(ESC), 'NO_COLOR');
  assert.ok(onTerminal(args, { NO_COLOR: '' }).includes(ESC), 'an empty NO_COLOR is not set');
  assert.not.ok(onTerminal(['--color=never', ...args]).includes(ESC), '--color=never');
  assert.not.ok(onTerminal(['--no-color', ...args]).includes(ESC), '--no-color');
  assert.not.ok(onTerminal(args, { TERM: 'dumb' }).includes(ESC), 'TERM=dumb');
  assert.not.ok(runner(args).stdout.includes(ESC), 'a pipe gets none');
  assert.ok(runner(['--color=always', ...args]).stdout.includes(ESC), '--color=always');
  assert.ok(runner(args, { FORCE_COLOR: '1' }).stdout.includes(ESC), 'FORCE_COLOR');
  assert.not.ok(
    runner(['--color=never', ...args], { FORCE_COLOR: '1' }).stdout.includes(ESC),
    'the flag wins over FORCE_COLOR',
  );
  assert.ok(runner(['--color=always', ...args], { NO_COLOR: '1' }).stdout.includes(ESC), 'the flag wins over NO_COLOR');
});

test('the man page documents every option of the table, and groff finds nothing to warn about', () => {
  const page = fs.readFileSync(path.join(projectRoot, 'man/Runner.1'), 'utf8');
  for (const [key, spec] of Object.entries(OPTIONS)) {
    assert.ok(page.includes(`\\-\\-${key.replaceAll('-', '\\-')}`), `--${key} is in man/Runner.1`);
    if (spec.alias) assert.ok(page.includes(`\\-${spec.alias}`), `-${spec.alias}`);
  }
  for (const section of [
    'SYNOPSIS',
    'ACTIONS',
    'OPTIONS',
    'EXIT STATUS',
    'ENVIRONMENT',
    'FILES',
    'EXAMPLES',
    'SEE ALSO',
  ])
    assert.match(page, new RegExp(`^\\.SH ${section}$`, 'm'));
  const checked = spawnSync('man', ['--warnings', '-l', path.join(projectRoot, 'man/Runner.1')], {
    encoding: 'utf8',
    env: { ...env, MANPAGER: 'cat', MANWIDTH: '80' },
  });
  assert.is(checked.status, 0);
  assert.is(checked.stderr, '');
  assert.match(checked.stdout, /Runner - run a GoboLinux program/);
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
  assert.equal(pkg.man, ['man/Runner.1']);
  assert.ok(pkg.files.includes('man'));
});

test.run();
