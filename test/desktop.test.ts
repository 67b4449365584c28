// Desktop files that start programs through Runner: validated by desktop-file-validate, expanded
// by a real launcher (gio launch, GLib's GDesktopAppInfo), and removed again.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import { rootTests } from './helpers/suite.js';
import * as assert from 'uvu/assert';
import { formatExecValue, parseExecValue } from '../src/desktop/exec-line.js';
import { linkIndex, makeTree, tempDir, writeFile } from './helpers/tree.js';
import { projectRoot, runner } from './helpers/run.js';

const rootTest = rootTests(import.meta.url, 'they run as root');

const DESKTOP = `[Desktop Entry]
Type=Application
Name=Viewer
Comment=Shows files
Exec=viewer --title "My \\\\"Viewer\\\\" \\\\$1" %F
TryExec=viewer
Icon=viewer
Categories=Utility;
Actions=new-window;

[Desktop Action new-window]
Name=New Window
Exec=viewer --new-window %U
`;

const VIEWER = `#!/bin/sh
{ greet; for a in "$@"; do printf '[%s]\\n' "$a"; done; } > "$VIEWER_OUT.tmp" && mv "$VIEWER_OUT.tmp" "$VIEWER_OUT"
`;

function requireTools() {
  for (const tool of ['desktop-file-validate', 'gio']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      throw new Error(`needs ${tool} (apt-get install desktop-file-utils libglib2.0-bin)`);
  }
}

const root = makeTree({
  programs: {
    Greet: {
      '1.0': { files: { 'bin/greet': '#!/bin/sh\necho Greet 1.0\n' } },
      '2.0': { files: { 'bin/greet': '#!/bin/sh\necho Greet 2.0\n' } },
    },
    Viewer: {
      '1.0': { deps: 'Greet < 2.0\n', files: { 'bin/viewer': VIEWER, 'share/applications/viewer.desktop': DESKTOP } },
    },
  },
  current: { Greet: '2.0', Viewer: '1.0' },
});
linkIndex(root, { Greet: '2.0', Viewer: '1.0' });
const data = tempDir('runner-xdg-');
const env = { ...process.env, XDG_DATA_HOME: data };
const written = path.join(data, 'applications/viewer.desktop');

test('Exec quoting: split and joined per the Desktop Entry Specification', () => {
  assert.equal(parseExecValue('viewer --title "My \\\\"Viewer\\\\" \\\\$1" %F'), [
    'viewer',
    '--title',
    'My "Viewer" $1',
    '%F',
  ]);
  assert.equal(parseExecValue('a\\sb "c d" %%x'), ['a', 'b', 'c d', '%%x']);
  const args = ['/opt/my app/run', "it's", 'back\\slash', '$HOME', '`x`', '', '%U', '100%%'];
  assert.equal(parseExecValue(formatExecValue(args)), args);
});

test('--desktop writes a copy whose Exec and actions run through Runner, and it validates', () => {
  requireTools();
  const seen = runner(['--root', root, '--desktop', 'Viewer'], { env });
  assert.is(seen.status, 0, seen.stderr);
  assert.match(seen.stdout, /^wrote .*applications\/viewer\.desktop/);
  const validate = spawnSync('desktop-file-validate', [written], { encoding: 'utf8' });
  assert.is(validate.status, 0, validate.stdout + validate.stderr);
  assert.is(validate.stdout + validate.stderr, '');
  const text = fs.readFileSync(written, 'utf8');
  const viewer = path.join(root, 'Programs/Viewer/1.0/bin/viewer');
  const execs = text
    .split('\n')
    .filter((l) => l.startsWith('Exec='))
    .map((l) => parseExecValue(l.slice(5)));
  // `Runner` as installed: the native front, so a menu launch can run from the plan cache.
  const cli = [path.join(projectRoot, 'bin/Runner')];
  // The original line, as written, inside Viewer 1.0's view.
  assert.equal(execs[0], [
    ...cli,
    '--root',
    root,
    '--with',
    'Viewer/1.0',
    '--',
    'viewer',
    '--title',
    'My "Viewer" $1',
    '%F',
  ]);
  assert.equal(execs[1], [...cli, '--root', root, '--with', 'Viewer/1.0', '--', 'viewer', '--new-window', '%U']);
  assert.match(text, new RegExp(`^TryExec=${viewer}$`, 'm'));
  assert.match(text, /^Name=New Window$/m);
});

test('a real launcher expands %F with spaces and quotes into single arguments, in the view', async () => {
  requireTools();
  runner(['--root', root, '--desktop', 'Viewer'], { env });
  const files = tempDir('runner-files-');
  const one = path.join(files, 'a file with spaces.txt');
  const two = path.join(files, `it's "quoted".txt`);
  writeFile(one, '1');
  writeFile(two, '2');
  const out = path.join(files, 'out');
  execFileSync('gio', ['launch', written, one, two], { env: { ...env, VIEWER_OUT: out } });
  for (let i = 0; i < 100 && !fs.existsSync(out); i++) await new Promise((r) => setTimeout(r, 100));
  assert.is(fs.readFileSync(out, 'utf8'), `Greet 1.0\n[--title]\n[My "Viewer" $1]\n[${one}]\n[${two}]\n`);
});

test('--desktop --remove takes our copies away and leaves others alone', () => {
  requireTools();
  runner(['--root', root, '--desktop', 'Viewer'], { env });
  const foreign = path.join(data, 'applications/other.desktop');
  writeFile(foreign, '[Desktop Entry]\nType=Application\nName=Other\nExec=other\n');
  const removed = runner(['--root', root, '--desktop', '--remove', 'Viewer'], { env });
  assert.is(removed.status, 0, removed.stderr);
  assert.not.ok(fs.existsSync(written));
  assert.ok(fs.existsSync(foreign));
  writeFile(written, '[Desktop Entry]\nType=Application\nName=Mine\nExec=mine\n');
  runner(['--root', root, '--desktop', '--remove', 'Viewer'], { env });
  assert.ok(fs.existsSync(written), 'a file Runner did not write is not removed');
});

test('wrapped Exec lines (sh -c, env) and actions run the pinned version; DBusActivatable is turned off', async () => {
  requireTools();
  const show = (v: string) =>
    `#!/bin/sh\n{ echo "viewer ${v} mode=\${VIEWER_MODE-none}"; for a in "$@"; do printf '[%s]\\n' "$a"; done; } > "$VIEWER_OUT.tmp" && mv "$VIEWER_OUT.tmp" "$VIEWER_OUT"\n`;
  const entry = [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Wrapped',
    'DBusActivatable=true',
    'Exec=sh -c "exec viewer --from-sh \\\\"\\\\$@\\\\"" sh %F',
    'Actions=env-mode;',
    '',
    '[Desktop Action env-mode]',
    'Name=Env',
    'Exec=env VIEWER_MODE=x viewer --new %U',
    '',
  ].join('\n');
  const tree = makeTree({
    programs: {
      Wrapped: {
        '1.0': { files: { 'bin/viewer': show('1.0'), 'share/applications/wrapped.desktop': entry } },
        '2.0': { files: { 'bin/viewer': show('2.0') } },
      },
    },
    current: { Wrapped: '2.0' },
  });
  linkIndex(tree, { Wrapped: '2.0' });
  const seen = runner(['--root', tree, '-v', '--desktop', 'Wrapped/1.0'], { env });
  assert.is(seen.status, 0, seen.stderr);
  assert.match(seen.stderr, /wrapped\.desktop: DBusActivatable turned off in the copy/);
  const copy = path.join(data, 'applications/wrapped.desktop');
  const validate = spawnSync('desktop-file-validate', [copy], { encoding: 'utf8' });
  assert.is(validate.status, 0, validate.stdout + validate.stderr);
  assert.match(fs.readFileSync(copy, 'utf8'), /^DBusActivatable=false$/m);
  const files = tempDir('runner-files-');
  const one = path.join(files, 'it\'s "a" file.txt');
  writeFile(one, '1');
  const launch = async (action: string[], expected: string) => {
    const out = path.join(files, `out-${action.length}`);
    execFileSync('gio', ['launch', copy, ...action, one], { env: { ...env, VIEWER_OUT: out } });
    for (let i = 0; i < 100 && !fs.existsSync(out); i++) await new Promise((r) => setTimeout(r, 100));
    assert.is(fs.readFileSync(out, 'utf8'), expected);
  };
  await launch([], `viewer 1.0 mode=none\n[--from-sh]\n[${one}]\n`);
  // gio launch here has no --action: expand the action's Exec as a launcher does and run it.
  const execs = fs
    .readFileSync(copy, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Exec='))
    .map((l) => parseExecValue(l.slice(5)));
  assert.equal(execs[1].slice(execs[1].indexOf('--with')), [
    '--with',
    'Wrapped/1.0',
    '--',
    'env',
    'VIEWER_MODE=x',
    'viewer',
    '--new',
    '%U',
  ]);
  const out = path.join(files, 'out-action');
  const argv = execs[1].map((w) => (w === '%U' ? one : w));
  const ran = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...env, VIEWER_OUT: out } });
  assert.is(ran.status, 0, ran.stderr);
  assert.is(fs.readFileSync(out, 'utf8'), `viewer 1.0 mode=x\n[--new]\n[${one}]\n`);
});

test('--desktop never replaces a file it did not write, never writes through a link, and refuses control characters', () => {
  // The test before left the user's own viewer.desktop there.
  const mine = fs.readFileSync(written, 'utf8');
  const refused = runner(['--root', root, '--desktop', 'Viewer'], { env });
  assert.is(refused.status, 125, refused.stderr);
  assert.match(
    refused.stderr,
    /^Runner: .*applications\/viewer\.desktop exists and was not written by Runner; move it away \(or remove it\) and run again\n$/,
  );
  assert.is(fs.readFileSync(written, 'utf8'), mine, "the user's file is untouched");
  fs.rmSync(written);
  const target = path.join(data, 'precious.txt');
  writeFile(target, 'precious');
  fs.symlinkSync(target, written);
  const linked = runner(['--root', root, '--desktop', 'Viewer'], { env });
  assert.is(linked.status, 125, linked.stderr);
  assert.is(fs.readFileSync(target, 'utf8'), 'precious', 'nothing written through the link');
  fs.rmSync(written);
  // A newline in a file name would otherwise start an Exec= line of its own in the copy.
  const evil = makeTree({
    programs: {
      E: {
        '1': {
          files: {
            'share/applications/e\nExec=sh -c id.desktop': '[Desktop Entry]\nType=Application\nName=E\nExec=e\n',
          },
        },
      },
    },
    current: { E: '1' },
  });
  const injected = runner(['--root', evil, '--desktop', 'E'], { env });
  assert.is(injected.status, 121, injected.stderr);
  assert.match(injected.stderr, /contains a control character; refusing to write it into a desktop file\n$/);
  assert.not.match(injected.stderr, /\nExec=/);
  assert.equal(
    fs.readdirSync(path.join(data, 'applications')).filter((f) => f.startsWith('e')),
    [],
  );
});

rootTest("as root, --desktop writes nothing under another user's directory (HOME kept by su or sudo -E)", () => {
  const home = tempDir('runner-their-home-');
  fs.chownSync(home, 1234, 1234);
  const theirs = { ...process.env, HOME: home, XDG_DATA_HOME: undefined };
  for (const args of [
    ['--desktop', 'Viewer'],
    ['--desktop', '--remove', 'Viewer'],
  ]) {
    const refused = runner(['--root', root, ...args], { env: theirs });
    assert.is(
      refused.stderr,
      `Runner: ${home} belongs to uid 1234: as root, Runner writes nothing under another user's directory (HOME or XDG_* kept from that user, as by su or sudo -E)\n`,
    );
    assert.is(refused.status, 122);
  }
  assert.equal(fs.readdirSync(home), [], 'their home is as it was');
});

test('a .desktop file given directly, and errors', () => {
  const seen = runner(
    ['--root', root, '--desktop', path.join(root, 'Programs/Viewer/1.0/share/applications/viewer.desktop')],
    { env },
  );
  assert.is(seen.status, 0, seen.stderr);
  const none = runner(['--root', root, '--desktop', 'Greet'], { env });
  assert.is(none.status, 127);
  assert.match(none.stderr, /^Runner: Greet 2\.0 has no share\/applications\/\*\.desktop\n$/);
  const broken = makeTree({
    programs: { B: { '1': { files: { 'share/applications/b.desktop': '[Desktop Entry]\nExec=b "open\n' } } } },
    current: { B: '1' },
  });
  const bad = runner(['--root', broken, '--desktop', 'B'], { env });
  assert.is(bad.status, 121);
  assert.match(bad.stderr, /b\.desktop:2: unterminated double quote in Exec\n$/);
});

test.run();
