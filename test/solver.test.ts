import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDependencies } from '../src/resolver/dependencies.js';
import { goboPaths } from '../src/resolver/paths.js';
import { World } from '../src/resolver/programs.js';
import { newWorld, resolveTarget, type ResolveOptions } from '../src/run/resolve.js';
import { anyTarget } from '../src/run/target.js';
import { failure } from './helpers/failure.js';
import { makeTree, tempDir, writeFile, type TreeSpec } from './helpers/tree.js';

function resolve(spec: TreeSpec, target: string, extra: Partial<ResolveOptions> = {}) {
  const root = makeTree(spec);
  const options: ResolveOptions = { paths: goboPaths(root), arch: 'x86_64', ...extra };
  const world = newWorld(options);
  return resolveTarget(world, anyTarget(world, target), options);
}
const chosen = (run: ReturnType<typeof resolve>) => run.dependencies.map((d) => `${d.name} ${d.version}`);

test('candidates skip Current, Settings, Variable, dot-names, -failed, -Disabled and files', () => {
  const root = makeTree({
    programs: {
      Foo: { '1.0': {}, '2.0': {}, '3.0-failed': {}, '4.0-Disabled': {}, '.5.0': {}, Settings: {}, Variable: {} },
    },
    current: { Foo: '1.0' },
  });
  writeFile(path.join(root, 'Programs/Foo/6.0'), 'not a directory');
  const program = new World(goboPaths(root)).program('Foo');
  assert.equal(program?.versions, ['2.0', '1.0']);
  assert.is(program?.current, '1.0');
});

test('a version directory that is a symlink out of Programs is not a candidate', () => {
  const outside = tempDir();
  const root = makeTree({ programs: { Foo: { '1.0': {} } } });
  fs.symlinkSync(outside, path.join(root, 'Programs/Foo/9.0'));
  const program = new World(goboPaths(root)).program('Foo');
  assert.equal(program?.versions, ['1.0']);
  assert.equal(program?.escaped, ['9.0']);
});

test('Current wins when it satisfies; otherwise the newest that does', () => {
  const programs = {
    App: { '1.0': { deps: 'Lib >= 1.0\nOld < 2.0\n' } },
    Lib: { '1.0': {}, '1.5': {}, '2.0': {} },
    Old: { '1.0': {}, '1.9': {}, '2.0': {} },
  };
  const run = resolve({ programs, current: { Lib: '1.5', Old: '2.0' } }, 'App');
  assert.equal(chosen(run), ['Lib 1.5', 'Old 1.9']);
  assert.equal(chosen(resolve({ programs, current: { Lib: '1.5' } }, 'App', { preferNewest: true })), [
    'Lib 2.0',
    'Old 1.9',
  ]);
});

test('no constraint means Current, or the newest without a Current', () => {
  const run = resolve(
    {
      programs: { App: { '1': { deps: 'A\nB\n' } }, A: { '1': {}, '2': {} }, B: { '1': {}, '2': {} } },
      current: { A: '1' },
    },
    'App',
  );
  assert.equal(chosen(run), ['A 1', 'B 2']);
});

test('the closure is transitive, breadth first, one version per name', () => {
  const run = resolve(
    {
      programs: {
        App: { '1': { deps: 'A\nB\n' } },
        A: { '1': { deps: 'C >= 2\n' } },
        B: { '1': { deps: 'C < 3\nD\n' } },
        C: { '1': {}, '2': {}, '3': {} },
        D: { '1': {} },
      },
    },
    'App',
  );
  assert.equal(chosen(run), ['A 1', 'B 1', 'C 2', 'D 1']);
  assert.equal(
    run.dependencies[2].demands.map((d) => d.by),
    ['A 1', 'B 1'],
  );
});

test('backtracking undoes an earlier choice that a later constraint rules out', () => {
  const run = resolve(
    {
      programs: {
        App: { '1': { deps: 'Greet >= 1.0\nTool\n' } },
        Tool: { '3.1': { deps: 'Greet < 2.0\n' } },
        Greet: { '1.0': {}, '1.5': {}, '2.0': {} },
      },
      current: { Greet: '2.0' },
    },
    'App',
  );
  assert.equal(chosen(run), ['Greet 1.5', 'Tool 3.1']);
});

test('backtracking also tries other versions of the requester', () => {
  const run = resolve(
    {
      programs: {
        App: { '1': { deps: 'Greet < 2.0\nTool\n' } },
        Tool: { '3.1': { deps: 'Greet >= 2.0\n' }, '2.0': { deps: 'Greet >= 1.0\n' } },
        Greet: { '1.0': {}, '2.0': {} },
      },
    },
    'App',
  );
  assert.equal(chosen(run), ['Greet 1.0', 'Tool 2.0']);
});

test('unsatisfiable: the explanation names the chain', () => {
  const error = failure(() =>
    resolve(
      {
        programs: {
          App: { '1.0': { deps: 'Greet < 2.0\nTool\n' } },
          Tool: { '3.1': { deps: 'Greet >= 2.0\n' } },
          Greet: { '1.0': {}, '2.0': {} },
        },
      },
      'App',
    ),
  );
  assert.is(error.exitCode, 120);
  assert.is(
    error.message,
    [
      'no choice of the installed versions fits:',
      '  Because Tool 3.1 needs Greet >= 2.0 and App 1.0 needs Greet < 2.0, Tool 3.1 and App 1.0 cannot be used together.',
      '  And because App 1.0 needs Tool and App 1.0 is the program being run, the run cannot be satisfied.',
    ].join('\n'),
  );
});

// Peers' own cases. uv's scenario "dependency-excludes-range-of-compatible-versions": the cause that
// matters (App's B >= 2.0.0, < 3.0.0 leaves only A 2.x, which C excludes) must be told.
test("uv's excluded range of compatible versions: the derivation names App's bound on B", () => {
  const error = failure(() =>
    resolve(
      {
        programs: {
          App: { '1.0': { deps: 'A\nB >= 2.0.0, < 3.0.0\nC\n' } },
          A: {
            '1.0.0': { deps: 'B = 1.0.0' },
            '2.0.0': { deps: 'B = 2.0.0' },
            '2.1.0': { deps: 'B = 2.0.0' },
            '2.2.0': { deps: 'B = 2.0.0' },
            '2.3.0': { deps: 'B = 2.0.0' },
            '3.0.0': { deps: 'B = 3.0.0' },
          },
          B: { '1.0.0': {}, '2.0.0': {}, '3.0.0': {} },
          C: { '1.0.0': { deps: 'A < 2.0.0' }, '2.0.0': { deps: 'A >= 3.0.0' } },
        },
      },
      'App',
    ),
  );
  assert.is(error.exitCode, 120);
  assert.is(
    error.message,
    [
      'no choice of the installed versions fits:',
      '  Because C 1.0.0 needs A < 2.0.0 and A 1.0.0 needs B = 1.0.0, C 1.0.0 needs B 1.0.0.',
      '  And because C 2.0.0 needs A >= 3.0.0, every version of C needs B 1.0.0 or A 3.0.0.',
      '  And because A 3.0.0 needs B = 3.0.0 and App 1.0 needs B >= 2.0.0, < 3.0.0, every version of C and App 1.0 cannot be used together.',
      '  And because App 1.0 needs C and App 1.0 is the program being run, the run cannot be satisfied.',
    ].join('\n'),
  );
});

// pub's "branching error reporting": both branches are told, and the fact they share is numbered
// once and referred to by number.
test("pub's branching error: both branches, a shared fact numbered once", () => {
  const error = failure(() =>
    resolve(
      {
        programs: {
          App: { '1.0': { deps: 'Foo >= 1.0.0, < 2.0.0\n' } },
          Foo: {
            '1.0.0': { deps: 'A >= 1.0.0, < 2.0.0\nB >= 1.0.0, < 2.0.0\n' },
            '1.1.0': { deps: 'X >= 1.0.0, < 2.0.0\nY >= 1.0.0, < 2.0.0\n' },
          },
          A: { '1.0.0': { deps: 'B >= 2.0.0, < 3.0.0\n' } },
          B: { '1.0.0': {}, '2.0.0': {} },
          X: { '1.0.0': { deps: 'Y >= 2.0.0, < 3.0.0\n' } },
          Y: { '1.0.0': {}, '2.0.0': {} },
        },
      },
      'App',
    ),
  );
  assert.is(
    error.message,
    [
      'no choice of the installed versions fits:',
      '  Because A 1.0.0 needs B >= 2.0.0, < 3.0.0 and Foo 1.0.0 needs A >= 1.0.0, < 2.0.0, Foo 1.0.0 needs B 2.0.0.',
      '  And because Foo 1.0.0 needs B >= 1.0.0, < 2.0.0 and App 1.0 needs Foo >= 1.0.0, < 2.0.0, App 1.0 needs Foo 1.1.0. (1)',
      '',
      '  Because X 1.0.0 needs Y >= 2.0.0, < 3.0.0 and Foo 1.1.0 needs X >= 1.0.0, < 2.0.0, Foo 1.1.0 needs Y 2.0.0.',
      '  And because Foo 1.1.0 needs Y >= 1.0.0, < 2.0.0, Foo 1.1.0 cannot be used.',
      '  And because App 1.0 needs Foo 1.1.0 (1), App 1.0 cannot be used.',
      '  And because App 1.0 is the program being run, the run cannot be satisfied.',
    ].join('\n'),
  );
});

// Hostile metadata within the 4 MiB cap: an answer or a failure, and a message of a few KB.
test('hostile Dependencies files: bounded messages, one fact for a line of missing alternatives', () => {
  const alternatives = (n: number) => Array.from({ length: n }, (_, i) => `Lib${i} >= 1.0`).join(' | ');
  const many = failure(() => resolve({ programs: { App: { '1': { deps: `${alternatives(999)}\n` } } } }, 'App'));
  assert.ok(many.message.length < 2000, `${many.message.length} characters`);
  assert.match(
    many.message,
    /^App 1 needs Lib0 >= 1\.0 \| Lib1 >= 1\.0 .*….* \| Lib998 >= 1\.0, but none of its 999 alternatives can be met: Lib0 is not installed, Lib1 is not installed, Lib2 is not installed … and 996 more alternatives that nothing installed fits \(.*Dependencies:1\)$/,
  );
  // More alternatives than any real line: malformed, skipped with a warning (an error with --strict-metadata).
  const tooMany = resolve(
    { programs: { App: { '1': { deps: `${alternatives(4000)}\nLib\n` } }, Lib: { '1': {} } } },
    'App',
  );
  assert.match(tooMany.warnings.join('\n'), /Dependencies:1:\d+: more than 1,000 alternatives; line skipped/);
  // A name of 4 MiB: cut in the middle.
  const long = failure(() =>
    resolve({ programs: { App: { '1': { deps: `${'N'.repeat(4 * 1024 * 1024 - 16)}\n` } } } }, 'App'),
  );
  assert.ok(long.message.length < 1000, `${long.message.length} characters`);
  assert.match(long.message, /^App 1 needs N+…N+, but N+…N+ is not installed/);
  // 10,000 installed versions, none fitting: a few listed and the rest counted.
  const versions = Object.fromEntries(Array.from({ length: 10000 }, (_, i) => [`${i}.0`, {}]));
  const fit = failure(() =>
    resolve({ programs: { App: { '1': { deps: 'Greet >= 20000\n' } }, Greet: versions } }, 'App'),
  );
  assert.match(fit.message, /\(installed: 0\.0, 1\.0, 2\.0, 3\.0, 4\.0, 5\.0, 6\.0, 7\.0 … and 9,992 more versions\)/);
  assert.ok(fit.message.length < 1000);
  // `A [` and 4 MiB of ']': the line is skipped, quickly and without building 4 MiB of tokens.
  const brackets = parseDependencies(`A [${']'.repeat(4 * 1024 * 1024 - 8)}\nB\n`, 'Dependencies');
  assert.equal(
    brackets.problems.map((p) => `${p.line}:${p.column}: ${p.message}`),
    ["1:5: unexpected ']'"],
  );
  assert.equal(
    brackets.requirements.map((r) => r.name),
    ['B'],
  );
  // More dependency lines than any real file: not read as one (bad metadata, 121, for the program run).
  const lines = failure(() =>
    resolve(
      { programs: { App: { '1': { deps: Array.from({ length: 10001 }, (_, i) => `M${i}`).join('\n') } } } },
      'App',
    ),
  );
  assert.is(lines.exitCode, 121);
  assert.match(
    lines.message,
    /Dependencies: has more than 10,000 dependency lines \(line 10001\); not read as a Dependencies file$/,
  );
});

test('a missing dependency is an error naming it; --ignore-missing skips it with a warning', () => {
  const spec = { programs: { App: { '1': { deps: 'Ghost >= 1\nA\n' } }, A: { '1': {} } } };
  const error = failure(() => resolve(spec, 'App'));
  assert.match(error.message, /^App 1 needs Ghost >= 1, but Ghost is not installed \(.*Dependencies:1\)$/);
  const run = resolve(spec, 'App', { ignoreMissing: true });
  assert.equal(chosen(run), ['A 1']);
  assert.match(run.warnings[0], /Ghost >= 1.*skipped \(--ignore-missing\)/);
});

test('no installed version fits: the installed ones are listed', () => {
  const error = failure(() =>
    resolve({ programs: { App: { '1': { deps: 'A >= 5\n' } }, A: { '1': {}, '2': {} } } }, 'App'),
  );
  assert.match(
    error.message,
    /^App 1 needs A >= 5, but no installed version of A fits >= 5 \(installed: 1 and 2\) \(.*Dependencies:1\)$/,
  );
});

test('cycles terminate and keep one version each', () => {
  const run = resolve(
    { programs: { App: { '1': { deps: 'A\n' } }, A: { '1': { deps: 'B\n' } }, B: { '1': { deps: 'A >= 1\nApp\n' } } } },
    'App',
  );
  assert.equal(chosen(run), ['A 1', 'B 1']);
});

test('a dependency back on the program must accept the running version', () => {
  const error = failure(() =>
    resolve(
      {
        programs: { App: { '1': { deps: 'A\n' }, '2': {} }, A: { '1': { deps: 'App >= 2\n' } } },
        current: { App: '1' },
      },
      'App',
    ),
  );
  assert.is(
    error.message,
    [
      'no choice of the installed versions fits:',
      '  Because App 1 needs A and A 1 needs App >= 2, App 1 cannot be used.',
      '  And because App 1 is the program being run, the run cannot be satisfied.',
    ].join('\n'),
  );
});

test('architecture filter: other arches are skipped, noarch and no file fit, i386 means i686', () => {
  const programs = {
    App: { '1': { deps: 'L\nN\n' } },
    L: { '1': { arch: 'i386' }, '2': { arch: 'x86_64' }, '3': { arch: 'i686' } },
    N: { '1': { arch: 'noarch' }, '2': {} },
  };
  assert.equal(chosen(resolve({ programs }, 'App')), ['L 2', 'N 2']);
  const run32 = resolve({ programs }, 'App', { arch: 'i686' });
  assert.equal(chosen(run32), ['L 3', 'N 2']);
  assert.is(run32.architecture, 'i686');
});

test('| alternatives: the first that can be satisfied wins', () => {
  const programs = {
    App: { '1': { deps: 'GCC < 4.0.0 | >= 4.1.0, != 4.1.2 | ICC > 2.0.0\n' } },
    GCC: { '4.0.5': {}, '4.1.2': {} },
    ICC: { '3.0.0': {} },
  };
  assert.equal(chosen(resolve({ programs }, 'App')), ['ICC 3.0.0']);
  const more = { ...programs, GCC: { '4.0.5': {}, '4.1.2': {}, '4.1.3': {} } };
  assert.equal(chosen(resolve({ programs: more }, 'App')), ['GCC 4.1.3']);
});

test('CompatibilityList substitutes names, falling back to the name itself', () => {
  const compat = fs.readFileSync(path.resolve('test/data/dependencies/CompatibilityList'), 'utf8');
  const run = resolve(
    {
      programs: {
        App: { '1': { deps: 'Ncurses >= 6.0\nUdev\n' } },
        NcursesW: { '6.2': {} },
        Ncurses: { '6.1': {} },
        Udev: { '200': {} },
      },
      compat,
    },
    'App',
  );
  assert.equal(chosen(run), ['NcursesW 6.2', 'Udev 200']);
});

test('an Alien dependency is resolved like a program; one nothing provides names the command that installs it', () => {
  assert.throws(
    () => resolve({ programs: { App: { '1': { deps: 'PIP3:meson\nA\n' } }, A: { '1': {} } } }, 'App'),
    /PIP3:meson is not installed \(Alien --install PIP3:meson installs it\)/,
  );
  // AlienVFS merged into Programs: the module's versions stand beside the programs.
  const spec = {
    programs: {
      App: { '1': { deps: 'PIP3:meson >= 1.0\nA\n' } },
      A: { '1': {} },
      'PIP3:meson': { '0.9': {}, '1.2.0': {}, '1.3.1': {} },
    },
  };
  assert.equal(chosen(resolve(spec, 'App')).sort(), ['A 1', 'PIP3:meson 1.3.1']);
});

test('a malformed line in a dependency is skipped with a warning; --strict-metadata refuses that version', () => {
  const spec = { programs: { App: { '1': { deps: 'A\n' } }, A: { '1': { deps: 'B >= 1,\nC\n' } }, C: { '1': {} } } };
  const run = resolve(spec, 'App');
  assert.equal(chosen(run), ['A 1', 'C 1']);
  assert.match(
    run.warnings[0],
    /Programs\/A\/1\/Resources\/Dependencies:1:7: empty version constraint \(stray comma\?\); line skipped$/,
  );
  const error = failure(() => resolve(spec, 'App', { strictMetadata: true }));
  assert.is(error.exitCode, 120);
  assert.match(error.message, /A 1 cannot be used \(--strict-metadata\): .*Dependencies:1:7: empty version constraint/);
  const own = failure(() =>
    resolve({ programs: { App: { '1': { deps: 'A >=\n' } } } }, 'App', { strictMetadata: true }),
  );
  assert.is(own.exitCode, 121, "the program's own file is the run's: fatal");
});

test('a broken candidate never ends the run when another version works', () => {
  const root = makeTree({ programs: { App: { '1': { deps: 'A\n' } }, A: { '1': {}, '2': {} } }, current: { A: '2' } });
  fs.writeFileSync(
    path.join(root, 'Programs/A/2/Resources/Dependencies'),
    fs.readFileSync(process.execPath).subarray(0, 4096),
  );
  const options: ResolveOptions = { paths: goboPaths(root), arch: 'x86_64' };
  const world = newWorld(options);
  const run = resolveTarget(world, anyTarget(world, 'App'), options);
  assert.equal(chosen(run), ['A 1']);
  assert.match(
    run.notes()[0],
    /^A 1, not Current 2: Current cannot be used: .*A\/2\/Resources\/Dependencies: is an ELF binary/,
  );
});

test('-d files come first and their choices are layered on top', () => {
  const root = makeTree({ programs: { App: { '1': { deps: 'A\n' } }, A: { '1': {}, '2': {} }, Extra: { '1': {} } } });
  writeFile(path.join(root, 'more'), 'Extra\nA < 2\n');
  const options: ResolveOptions = {
    paths: goboPaths(root),
    arch: 'x86_64',
    dependencyFiles: [path.join(root, 'more')],
  };
  const world = newWorld(options);
  const run = resolveTarget(world, anyTarget(world, 'App'), options);
  assert.equal(chosen(run), ['Extra 1', 'A 1']);
  assert.equal(
    run.dependencies[1].demands.map((d) => d.by),
    [path.join(root, 'more'), 'App 1'],
  );
});

test('deterministic: the same tree gives the same answer', () => {
  const spec = {
    programs: {
      App: { '1': { deps: 'A\nB\nC\n' } },
      A: { '1': { deps: 'C < 3' }, '2': {} },
      B: { '1': {}, '2': { deps: 'A < 2' } },
      C: { '1': {}, '2': {}, '3': {} },
    },
  };
  const first = chosen(resolve(spec, 'App'));
  for (let i = 0; i < 5; i++) assert.equal(chosen(resolve(spec, 'App')), first);
});

test('targets: Name, Name/Version, version directory, file, Index command, script interpreter', () => {
  const root = makeTree({
    programs: { Py: { '3.1': { files: { 'bin/py': '#!/bin/sh\n' } }, '3.2': { files: { 'bin/py': '#!/bin/sh\n' } } } },
    current: { Py: '3.2' },
  });
  fs.mkdirSync(path.join(root, 'System/Index/bin'), { recursive: true });
  fs.symlinkSync('../../../Programs/Py/Current/bin/py', path.join(root, 'System/Index/bin/py'));
  writeFile(path.join(root, 'script'), '#!/usr/bin/env py\nprint()\n', 0o755);
  const world = new World(goboPaths(root));
  const owner = (t: string) => {
    const p = anyTarget(world, t).program;
    return p && `${p.name} ${p.version}`;
  };
  assert.is(owner('Py'), 'Py 3.2');
  assert.is(owner('Py/3.1'), 'Py 3.1');
  assert.is(owner(path.join(root, 'Programs/Py/3.1')), 'Py 3.1');
  assert.is(owner(path.join(root, 'Programs/Py/3.1/bin/py')), 'Py 3.1');
  assert.is(owner('py'), 'Py 3.2');
  assert.is(owner(path.join(root, 'script')), 'Py 3.2');
  assert.throws(() => anyTarget(world, 'Py/9.9'), /no such command, program or path/);
});

test.run();
