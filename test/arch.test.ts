// 32-bit programs on a 64-bit host: the ELF reader, the choice of architecture, and real i686
// programs that cannot start without Runner and run under it, seeing i686 from uname().
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rootTests } from './helpers/suite.js';

const test = rootTests(import.meta.url, 'views built as root, and the unprivileged user it creates');
import * as assert from 'uvu/assert';
import { parseElf, readElf } from '../src/arch/elf.js';
import { howToRun, wantedArch } from '../src/arch/wanted.js';
import { compile } from './helpers/cc.js';
import { linkIndex, makeTree, tempDir, writeFile } from './helpers/tree.js';
import { ensureTestUser, envAs, runnerAs, runnerCommand, shareTree, type As } from './helpers/users.js';

const UNAME = `
#include <stdio.h>
#include <sys/utsname.h>
int main(int argc, char **argv) {
  struct utsname u;
  uname(&u);
  printf("%s %d-bit", u.machine, (int)(sizeof(void *) * 8));
  for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
  printf("\\n");
  return 0;
}
`;

function require32(): void {
  if (!fs.existsSync('/usr/lib32/ld-linux.so.2') || !fs.existsSync('/usr/lib32/libc.so.6'))
    throw new Error('needs gcc-multilib (/usr/lib32/ld-linux.so.2 and libc.so.6): apt-get install gcc-multilib');
}

const dir = tempDir();
const elf64 = process.execPath;
let elf32 = '';

test('ELF reader: real 64-bit and 32-bit binaries, with their interpreters', () => {
  require32();
  elf32 = compile('int main(void) { return 0; }', path.join(dir, 'tiny32'), ['-m32']);
  const a = readElf(elf64);
  assert.equal(a.kind === 'elf' && [a.bits, a.arch, a.interpreter], [64, 'x86_64', '/lib64/ld-linux-x86-64.so.2']);
  const b = readElf(elf32);
  assert.equal(b.kind === 'elf' && [b.bits, b.arch, b.interpreter], [32, 'i686', '/lib/ld-linux.so.2']);
  const lib = readElf('/usr/lib32/libc.so.6');
  assert.equal(lib.kind === 'elf' && [lib.bits, lib.arch], [32, 'i686']);
});

test('ELF reader: scripts, truncated and hostile files give answers, not exceptions', () => {
  writeFile(path.join(dir, 'script'), '#!/bin/sh\necho hi\n');
  assert.equal(readElf(path.join(dir, 'script')), { kind: 'not-elf' });
  assert.equal(readElf(path.join(dir, 'missing')), { kind: 'unreadable', error: 'ENOENT' });
  const bytes = fs.readFileSync(elf64);
  assert.equal(parseElf(bytes.subarray(0, 20)), { kind: 'truncated', what: 'ELF header' });
  assert.equal(parseElf(bytes.subarray(0, 70)), { kind: 'truncated', what: 'program headers' });
  assert.equal(parseElf(Buffer.from('\x7fELF')), { kind: 'truncated', what: 'ELF header' });
  const arm = Buffer.from(bytes.subarray(0, 4096));
  arm.writeUInt16LE(183, 18);
  assert.is((parseElf(arm) as { arch: string }).arch, 'aarch64');
  // Thousands of mutations of real headers: every one is classified.
  let state = 9;
  const next = (n: number) => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % n;
  for (const source of [bytes.subarray(0, 8192), fs.readFileSync(elf32)]) {
    for (let i = 0; i < 3000; i++) {
      const copy = Buffer.from(source.subarray(0, next(source.length) + 1));
      for (let k = next(8); k >= 0; k--) copy[next(Math.min(copy.length, 128))] = next(256);
      const info = parseElf(copy);
      assert.ok(['elf', 'not-elf', 'truncated'].includes(info.kind));
    }
  }
});

test('which architecture: -a, then the ELF header, then Resources/Architecture, then the host', () => {
  assert.equal(wantedArch({ flag: 'i386', file: elf64, declared: 'x86_64' }), { arch: 'i686', source: '-a' });
  assert.equal(wantedArch({ file: elf32, declared: 'x86_64' }), { arch: 'i686', source: 'ELF header' });
  assert.equal(wantedArch({ file: path.join(dir, 'script'), declared: 'i686' }), {
    arch: 'i686',
    source: 'Resources/Architecture',
  });
  assert.equal(wantedArch({ declared: 'noarch' }).source, 'host');
  assert.is(howToRun('i686', 'x86_64'), 'linux32');
  assert.is(howToRun('x86_64', 'x86_64'), 'native');
  assert.is(howToRun('aarch64', 'x86_64'), undefined);
  assert.is(howToRun('x86_64', 'i686'), undefined);
});

/** A tree with an x86_64 Glibc (Current, in the Index) and an i686 Glibc holding the host's 32-bit loader and libc. */
function world32(): string {
  require32();
  ensureTestUser();
  const root = makeTree({
    programs: {
      Glibc: {
        '2.36-x86_64': { arch: 'x86_64', files: { 'lib/glibc-flavour': 'x86_64\n' } },
        '2.36-i686': { arch: 'i686', files: { 'lib/glibc-flavour': 'i686\n' } },
      },
      Old32: { '1.0': { arch: 'i686', deps: 'Glibc >= 2.0\n' } },
      NoArch: { '1.0': { deps: 'Glibc >= 2.0\n' } },
      Tools: {
        '1.0': {
          files: { 'bin/show-arch': '#!/bin/sh\necho "$(uname -m) $(cat ${LD_LIBRARY_PATH%%:*}/glibc-flavour)"\n' },
        },
      },
      Zlib32: { '1.0': { arch: 'i686', files: { 'lib/libz-marker': 'i686 zlib\n' } } },
    },
    current: { Glibc: '2.36-x86_64', Tools: '1.0' },
  });
  for (const file of ['ld-linux.so.2', 'libc.so.6'])
    fs.copyFileSync(`/usr/lib32/${file}`, path.join(root, 'Programs/Glibc/2.36-i686/lib', file));
  const index = path.join(root, 'System/Index/lib');
  const flags = ['-m32', `-Wl,--dynamic-linker=${index}/ld-linux.so.2`, `-Wl,-rpath,${index}`];
  compile(UNAME, path.join(root, 'Programs/Old32/1.0/bin/old32'), flags);
  compile(UNAME, path.join(root, 'Programs/NoArch/1.0/bin/noarch32'), flags);
  linkIndex(root, { Glibc: '2.36-x86_64', Tools: '1.0' });
  return shareTree(root);
}

const root32 = world32();

test('without Runner the 32-bit program does not even start', () => {
  const direct = spawnSync(path.join(root32, 'Programs/Old32/1.0/bin/old32'));
  assert.is(direct.error && (direct.error as NodeJS.ErrnoException).code, 'ENOENT', 'its loader is not in the Index');
});

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: Resources/Architecture i686: runs with the i686 Glibc and sees i686`, () => {
    const seen = runnerAs(who, ['--root', root32, path.join(root32, 'Programs/Old32/1.0/bin/old32'), 'a b', '']);
    assert.is(seen.stderr, '');
    assert.is(seen.stdout, 'i686 32-bit [a b] []\n');
    const json = JSON.parse(runnerAs(who, ['--root', root32, '--resolve', '--json', 'Old32']).stdout);
    assert.is(json.architecture, 'i686');
    assert.equal(
      json.dependencies.map((d: { version: string }) => d.version),
      ['2.36-i686'],
    );
  });

  test(`${who}: no Architecture file: the ELF header decides`, () => {
    const seen = runnerAs(who, ['--root', root32, '-v', path.join(root32, 'Programs/NoArch/1.0/bin/noarch32')]);
    assert.is(seen.stdout, 'i686 32-bit\n', seen.stderr);
    assert.match(seen.stderr, /NoArch 1\.0 \(i686, from ELF header\) with Glibc 2\.36-i686/);
    assert.match(
      seen.stderr,
      /i686 layers added: Old32 1\.0, Zlib32 1\.0/,
      'every installed i686 program is layered, as in the C original',
    );
  });

  test(`${who}: -a i686 on a script: 32-bit personality and the i686 layers`, () => {
    const seen = runnerAs(who, ['--root', root32, '-a', 'i686', 'show-arch']);
    assert.is(seen.stdout, 'i686 i686\n', seen.stderr);
    const native = runnerAs(who, ['--root', root32, 'show-arch']);
    assert.is(native.stdout, 'x86_64 x86_64\n', native.stderr);
    const pure = runnerAs(who, ['--root', root32, '-a', 'i686', '-p', '--dry-run', '--json', 'show-arch']);
    const layers = JSON.parse(pure.stdout)
      .mounts.flatMap((m: { layers: string[] }) => m.layers)
      .join(' ');
    assert.not.match(layers, /Zlib32|Glibc/, '-p leaves the architecture layers out');
  });
}

// What a real i386 program actually mapped: its machine, then `inode path` of its loader and libc.
const MAPS = `
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
int main(void) {
  struct utsname u;
  uname(&u);
  printf("%s\\n", u.machine);
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[4096], path[4096], last[4096] = "";
  unsigned long long inode;
  while (maps && fgets(line, sizeof line, maps)) {
    if (sscanf(line, "%*s %*s %*s %*s %llu %4095s", &inode, path) != 2) continue;
    if ((strstr(path, "ld-linux") || strstr(path, "libc.so")) && strcmp(path, last) != 0) {
      printf("%llu %s\\n", inode, path);
      strcpy(last, path);
    }
  }
  return 0;
}
`;

/** A program built as a distribution builds it: PT_INTERP is the standard /lib/ld-linux.so.2. */
function real32(): { file: string; treeLoader: string } {
  const file = path.join(root32, 'Programs/Real32/1.0/bin/real32');
  if (!fs.existsSync(file)) {
    writeFile(path.join(root32, 'Programs/Real32/1.0/Resources/Dependencies'), 'Glibc >= 2.0\n');
    compile(MAPS, file, ['-m32']);
    shareTree(root32);
  }
  return { file, treeLoader: path.join(root32, 'Programs/Glibc/2.36-i686/lib/ld-linux.so.2') };
}

/** Runs the command with the host's i386 loader hidden (an empty tmpfs over /usr/lib32), or not. */
function withHostLoader(hidden: boolean, command: string[]) {
  const script = hidden ? 'mount -t tmpfs -o mode=755 none /usr/lib32 && exec "$@"' : 'exec "$@"';
  return spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...command], {
    encoding: 'utf8',
    cwd: '/',
  });
}

for (const who of ['root', 'user'] as As[]) {
  for (const hidden of [false, true]) {
    test(`${who}: a real i386 program (PT_INTERP /lib/ld-linux.so.2) runs with the tree's loader and Glibc, host loader ${hidden ? 'hidden' : 'present'}`, () => {
      const { file, treeLoader } = real32();
      if (hidden) {
        const direct = withHostLoader(true, [file]);
        assert.is.not(direct.status, 0, 'without Runner it cannot start: its loader is gone');
      }
      const command = runnerCommand(who, ['--root', root32, file]);
      const seen = spawnSync(
        'unshare',
        [
          '-m',
          '--propagation',
          'private',
          'sh',
          '-c',
          hidden ? 'mount -t tmpfs -o mode=755 none /usr/lib32 && exec "$@"' : 'exec "$@"',
          'sh',
          ...command,
        ],
        { encoding: 'utf8', cwd: '/', env: envAs(who) },
      );
      assert.is(seen.status, 0, seen.stderr);
      const [machine, ...mapped] = seen.stdout.trim().split('\n');
      assert.is(machine, 'i686');
      const loader = mapped.find((l) => l.includes('ld-linux'));
      assert.is(
        loader?.split(' ')[0],
        String(fs.statSync(treeLoader).ino),
        `the tree's loader file is the one mapped: ${mapped.join(' | ')}`,
      );
      assert.match(mapped.find((l) => l.includes('libc.so')) ?? '', /System\/Index\/lib\/libc\.so\.6$/);
    });
  }
}

test('--check says whether i686 programs can run, and where their loader is; it is not a requirement', () => {
  const seen = withHostLoader(true, runnerCommand('root', ['--root', root32, '--check', '--json']));
  assert.equal(JSON.parse(seen.stdout).i686, {
    ok: true,
    detail: 'IA32 emulation; loader in the tree (Glibc 2.36-i686)',
  });
  const none = withHostLoader(
    true,
    runnerCommand('root', ['--root', shareTree(makeTree({ programs: {} })), '--check', '--json']),
  );
  assert.equal(JSON.parse(none.stdout).i686, {
    ok: false,
    detail: 'IA32 emulation, but no ld-linux.so.2 in the tree or on the host',
  });
  assert.is(none.status, 0, 'i686 is reported, not required');
});

/**
 * Glibc before 2.34's layout (`lib/ld-linux.so.2 -> ld-2.31.so`) in an i686 version, and Hello,
 * whose only command is an i386 binary and which has no Resources/Architecture.
 */
function oldGlibcWorld(): string {
  require32();
  const root = makeTree({
    programs: {
      Glibc: {
        '2.36': { arch: 'x86_64', files: { 'lib/glibc-flavour': 'x86_64\n' } },
        '2.31-i686': { arch: 'i686', files: { 'lib/glibc-flavour': 'i686\n' } },
      },
      Hello: { '2.10': { deps: 'Glibc >= 2.0\n' } },
    },
    current: { Glibc: '2.36', Hello: '2.10' },
  });
  const lib = path.join(root, 'Programs/Glibc/2.31-i686/lib');
  fs.copyFileSync('/usr/lib32/ld-linux.so.2', path.join(lib, 'ld-2.31.so'));
  fs.symlinkSync('ld-2.31.so', path.join(lib, 'ld-linux.so.2'));
  fs.copyFileSync('/usr/lib32/libc.so.6', path.join(lib, 'libc.so.6'));
  compile(UNAME, path.join(root, 'Programs/Hello/2.10/bin/hello'), ['-m32']);
  linkIndex(root, { Glibc: '2.36', Hello: '2.10' });
  return shareTree(root);
}

test('a loader that is a symlink (Glibc before 2.34): --check finds it where a launch does', () => {
  const root = oldGlibcWorld();
  const check = withHostLoader(true, runnerCommand('root', ['--root', root, '--check', '--json']));
  assert.equal(JSON.parse(check.stdout).i686, {
    ok: true,
    detail: 'IA32 emulation; loader in the tree (Glibc 2.31-i686)',
  });
  const seen = withHostLoader(
    true,
    runnerCommand('root', ['--root', root, path.join(root, 'Programs/Hello/2.10/bin/hello'), 'x']),
  );
  assert.is(seen.stderr, '');
  assert.is(seen.stdout, 'i686 32-bit [x]\n');
});

test("a program named, not run, gets the architecture a launch would: its commands' ELF headers", () => {
  const root = oldGlibcWorld();
  const json = JSON.parse(runnerAs('root', ['--root', root, '--resolve', '--json', 'Hello']).stdout);
  assert.is(json.architecture, 'i686');
  assert.equal(
    json.dependencies.map((d: { version: string }) => d.version),
    ['2.31-i686'],
  );
  const why = runnerAs('root', ['--root', root, '--why', 'Hello', 'Glibc']);
  assert.match(why.stdout, /Glibc 2\.31-i686 was chosen/, why.stderr);
  assert.match(why.stdout, /2\.36: Current, is for x86_64, not i686/);
  const launch = withHostLoader(true, runnerCommand('root', ['--root', root, '-v', 'hello']));
  assert.match(launch.stderr, /Hello 2\.10 \(i686, from ELF header\) with Glibc 2\.31-i686/);
  // -a and Resources/Architecture still come first.
  assert.is(
    JSON.parse(runnerAs('root', ['--root', root, '-a', 'x86_64', '--resolve', '--json', 'Hello']).stdout).architecture,
    'x86_64',
  );
  assert.equal(
    wantedArch({ declared: 'x86_64', commands: () => [path.join(root, 'Programs/Hello/2.10/bin/hello')] }).source,
    'Resources/Architecture',
  );
  assert.equal(wantedArch({ commands: () => [path.join(root, 'Programs/Hello/2.10/bin/hello')] }), {
    arch: 'i686',
    source: 'ELF headers of its commands',
  });
});

test('no loader in the tree nor on the host: 123 naming the interpreter and the architecture', () => {
  const root = makeTree({ programs: { Lone32: { '1.0': {} } } });
  const file = compile(MAPS, path.join(root, 'Programs/Lone32/1.0/bin/lone32'), ['-m32']);
  const seen = withHostLoader(true, runnerCommand('root', ['--root', shareTree(root), file]));
  assert.is(seen.status, 123, seen.stderr);
  assert.match(
    seen.stderr,
    /^Runner: .*lone32 asks for the i686 loader \/lib\/ld-linux\.so\.2, which neither the tree's i686 programs nor this host provide\n$/,
  );
});

test('an architecture the host cannot run is refused before any namespace is built', () => {
  const root = makeTree({ programs: { Arm: { '1.0': { files: { 'bin/armprog': '' } } } } });
  const arm = Buffer.from(fs.readFileSync(elf64).subarray(0, 8192));
  arm.writeUInt16LE(183, 18);
  writeFile(path.join(root, 'Programs/Arm/1.0/bin/armprog'), '');
  fs.writeFileSync(path.join(root, 'Programs/Arm/1.0/bin/armprog'), arm, { mode: 0o755 });
  const seen = runnerAs('root', ['--root', root, path.join(root, 'Programs/Arm/1.0/bin/armprog')]);
  assert.is(seen.status, 123);
  assert.match(seen.stderr, /^Runner: .*armprog wants aarch64 \(ELF header\), which this x86_64 host cannot run\n$/);
  assert.is(os.machine(), 'x86_64');
});

test.run();
