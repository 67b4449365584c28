// Scripts that pin their dependencies in their header, started by the kernel through
// `#!/usr/bin/env -S Runner ...` or `#!/path/to/Runner`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rootTests } from './helpers/suite.js';

const test = rootTests(import.meta.url, 'views built as root, and the unprivileged user it creates');
import * as assert from 'uvu/assert';
import { linkIndex, makeTree, tempDir, writeFile } from './helpers/tree.js';
import { ensureTestUser, envAs, rootlessPackage, shareTree, TEST_USER, type As } from './helpers/users.js';
import { projectRoot } from './helpers/run.js';

ensureTestUser();
const root = makeTree({
  programs: {
    Greet: {
      '1.0': { files: { 'bin/greet': '#!/bin/sh\necho Greet 1.0\n' } },
      '2.0': { files: { 'bin/greet': '#!/bin/sh\necho Greet 2.0\n' } },
    },
    Interp: {
      '1.0': { files: { 'bin/myinterp': '#!/bin/sh\necho "myinterp 1.0 got $1 $(basename "$2")"\nexec sh "$@"\n' } },
      '2.0': { files: { 'bin/myinterp': '#!/bin/sh\necho "myinterp 2.0 got $1 $(basename "$2")"\nexec sh "$@"\n' } },
    },
    Tool: { '1.0': { deps: 'Greet < 2.0\n' } },
  },
  current: { Greet: '2.0', Interp: '2.0', Tool: '1.0' },
});
linkIndex(root, { Greet: '2.0', Interp: '2.0' });
const scripts = tempDir('runner-scripts-');
fs.chmodSync(scripts, 0o755);

/** A `Runner` command on PATH, as an installation would provide, for root's and the user's copy. */
function runnerBin(who: As): string {
  const dir = path.join(scripts, `bin-${who}`);
  const main =
    who === 'root'
      ? path.join(projectRoot, 'dist/bundle/main.cjs')
      : path.join(rootlessPackage(), 'dist/bundle/main.cjs');
  writeFile(path.join(dir, 'Runner'), `#!/bin/sh\nexec ${process.execPath} ${main} "$@"\n`, 0o755);
  return dir;
}

function script(name: string, text: string): string {
  const file = path.join(scripts, name);
  writeFile(file, text, 0o755);
  shareTree(root);
  shareTree(scripts);
  return file;
}

function runScript(who: As, file: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}) {
  const env = envAs(who, { PATH: `${runnerBin(who)}:/usr/bin:/bin`, ...extra });
  const command =
    who === 'root'
      ? [file, ...args]
      : ['setpriv', `--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, '--init-groups', file, ...args];
  shareTree(scripts);
  return spawnSync(command[0], command.slice(1), { encoding: 'utf8', env, cwd: '/' });
}

const ARGS = ['a b', '"q"', "'s'", '$HOME', '', 'two\nlines', '*'];

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: a script outside Programs gets its pinned version and its argv exactly`, () => {
    const file = script(
      `pinned-${who}`,
      `#!/usr/bin/env -S Runner --root ${root}
#!Runner dependency Greet >= 1.0, < 2.0
# an ordinary comment in the header
greet
for a in "$@"; do printf '[%s]' "$a"; done
echo
`,
    );
    const seen = runScript(who, file, ARGS);
    assert.is(seen.stderr, '');
    assert.is(seen.stdout, `Greet 1.0\n${ARGS.map((a) => `[${a}]`).join('')}\n`);
    assert.is(seen.status, 0);
  });

  test(`${who}: the interpreter can come from a dependency`, () => {
    const file = script(
      `interp-${who}`,
      `#!/usr/bin/env -S Runner --root ${root}
#!Runner interpreter myinterp -e
#!Runner dependency Interp < 2.0
echo "body ran with $#"
`,
    );
    const seen = runScript(who, file, ['x', 'y']);
    assert.is(seen.stdout, `myinterp 1.0 got -e interp-${who}\nbody ran with 2\n`, seen.stderr);
  });
}

test("an absolute Runner path works too (tree from GoboLinux's variables), and the exit status is the script's", () => {
  const bin = runnerBin('root');
  const file = script('absolute', `#!${bin}/Runner\n#!Runner dependency Greet < 2\ngreet\nexit 9\n`);
  const seen = runScript('root', file, [], {
    goboPrograms: path.join(root, 'Programs'),
    goboIndex: path.join(root, 'System/Index'),
  });
  assert.is(seen.stdout, 'Greet 1.0\n');
  assert.is(seen.status, 9, seen.stderr);
});

test('a shebang that runs Runner under another name is a Runner script, not a loop', () => {
  // The kernel starts `node …/main.js --root ROOT script`: Runner must see that this is itself.
  const file = script(
    'other-name',
    `#!/usr/bin/env -S ${process.execPath} ${path.join(projectRoot, 'dist/bundle/main.cjs')} --root ${root}\n#!Runner dependency Greet < 2\ngreet\n`,
  );
  const seen = spawnSync(file, [], { encoding: 'utf8', env: envAs('root'), timeout: 30_000 });
  assert.is(seen.signal, null, 'no loop');
  assert.is(seen.status, 0, seen.stderr);
  assert.is(seen.stdout, 'Greet 1.0\n');
});

test('a shebang naming Runner under another name on PATH (a link to the native front) runs the script once', () => {
  const bin = path.join(scripts, 'rnr-bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(path.join(projectRoot, 'bin/Runner'), path.join(bin, 'rnr'));
  const file = script(
    'via-rnr',
    `#!/usr/bin/env -S rnr --root ${root}\n#!Runner dependency Greet < 2\ngreet\necho "args: $*"\n`,
  );
  for (const run of ['cold', 'warm']) {
    const seen = spawnSync(file, ['a b'], {
      encoding: 'utf8',
      env: envAs('root', { PATH: `${bin}:/usr/bin:/bin` }),
      timeout: 30_000,
    });
    assert.is(seen.signal, null, `${run}: no loop`);
    assert.is(seen.stderr, '', run);
    assert.is(seen.stdout, 'Greet 1.0\nargs: a b\n', run);
  }
});

test('a script that would start itself through Runner again inside its view stops with 125', () => {
  const bin = runnerBin('root');
  // An alias Runner cannot recognise as itself (a wrapper script), and a script that re-enters.
  writeFile(path.join(scripts, 'alias-bin/runner-alias'), `#!/bin/sh\nexec ${bin}/Runner --root ${root} "$@"\n`, 0o755);
  const viaAlias = script('via-alias', `#!${scripts}/alias-bin/runner-alias\n#!Runner dependency Greet < 2\ngreet\n`);
  const reenter = script('reenter', `#!/bin/sh\nexec Runner --root ${root} "$0"\n`);
  for (const file of [viaAlias, reenter]) {
    const seen = spawnSync(`${bin}/Runner`, ['--root', root, file], {
      encoding: 'utf8',
      env: envAs('root', { PATH: `${bin}:/usr/bin:/bin` }),
      timeout: 30_000,
    });
    assert.is(seen.signal, null, `${file}: no loop`);
    assert.is(seen.status, 125, seen.stderr);
    assert.match(
      seen.stderr,
      /: starting it again through Runner inside the view Runner set up for it would loop \(its first line leads back to Runner\); stopped\n$/,
    );
  }
});

test("a script inside a program's directory also gets that program's Dependencies", () => {
  const file = path.join(root, 'Programs/Tool/1.0/bin/tooltest');
  writeFile(
    file,
    `#!/usr/bin/env -S Runner --root ${root}\n#!Runner dependency Interp < 2\ngreet; myinterp /dev/null\n`,
    0o755,
  );
  const seen = runScript('root', file);
  assert.is(seen.stdout, 'Greet 1.0\nmyinterp 1.0 got /dev/null \n', seen.stderr);
});

test('directives are read from the header only', () => {
  const file = script(
    'late',
    `#!/usr/bin/env -S Runner --root ${root}\n#!Runner dependency Greet < 2\necho body\n#!Runner dependency NotInstalled\ngreet\n`,
  );
  const seen = runScript('root', file);
  assert.is(seen.stdout, 'body\nGreet 1.0\n', seen.stderr);
});

test("--resolve and --why see a script's pinned dependencies", () => {
  const file = script('resolved', `#!/usr/bin/env Runner\n#!Runner dependency Greet < 2.0\necho\n`);
  const seen = spawnSync(
    process.execPath,
    [path.join(projectRoot, 'dist/bundle/main.cjs'), '--root', root, '--resolve', '--json', file],
    { encoding: 'utf8' },
  );
  assert.is(seen.status, 0, seen.stderr);
  assert.equal(
    JSON.parse(seen.stdout).dependencies.map((d: { name: string; version: string; requiredBy: string[] }) => [
      d.name,
      d.version,
      d.requiredBy,
    ]),
    [['Greet', '1.0', [file]]],
  );
  const why = spawnSync(
    process.execPath,
    [path.join(projectRoot, 'dist/bundle/main.cjs'), '--root', root, '--why', file, 'Greet'],
    { encoding: 'utf8', env: envAs('root') },
  );
  assert.match(why.stdout, new RegExp(`required by ${file}: Greet < 2\\.0`));
});

test('bad directives: one line naming the script and the line', () => {
  const cases: [string, RegExp][] = [
    [
      '#!Runner frobnicate x',
      /^Runner: .*bad1:2: unknown directive 'frobnicate' \(expected 'interpreter' or 'dependency'\)\n$/,
    ],
    ['#!Runner dependency Greet >=', /^Runner: .*bad2:2:27: operator '>=' has no version\n$/],
    ['#!Runner', /^Runner: .*bad3:2: '#!Runner' names no directive/],
    ['#!Runner interpreter', /^Runner: .*bad4:2: 'interpreter' needs a command\n$/],
    ['#!Runner dependency Python >= 3,0', /^Runner: .*bad5:2:33: '0' has no operator/],
  ];
  cases.forEach(([line, message], i) => {
    const file = script(`bad${i + 1}`, `#!/usr/bin/env -S Runner --root ${root}\n${line}\necho never\n`);
    const seen = runScript('root', file);
    assert.is(seen.status, 121, line);
    assert.match(seen.stderr, message);
    assert.is(seen.stdout, '');
  });
});

test.run();
