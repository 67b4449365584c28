// Trees with Alien dependencies built from real Debian packages (downloaded and unpacked, not
// installed: installed, they would be found without Runner), and the CLI run on them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { debianPackage } from './debian.js';
import { projectRoot } from './run.js';
import { nodeStartCounter } from './cc.js';
import { linkIndex, makeTree, tempDir } from './tree.js';
import { envAs } from './users.js';

const unpacked = (name: string, dir: string) => path.join(debianPackage(name), 'root', dir);

/** Where each real module's files sit on its language's module path, in its Debian package. */
export const modules = {
  python: (name: 'python3-mako' | 'python3-markupsafe' | 'python3-packaging') =>
    unpacked(name, 'usr/lib/python3/dist-packages'),
  perl: () => unpacked('libxml-writer-perl', 'usr/share/perl5'),
  /** lua-posix for Lua 5.3: its Lua files, and the directory of its C module (Debian's multiarch one). */
  lua: () => {
    const lib = unpacked('lua-posix', 'usr/lib');
    const multiarch = fs.readdirSync(lib).find((d) => fs.existsSync(path.join(lib, d, 'lua/5.3/posix.so')));
    return { share: unpacked('lua-posix', 'usr/share/lua/5.3'), lib: path.join(lib, multiarch as string, 'lua/5.3') };
  },
  /** ruby-rainbow: a gem directory (specifications/, gems/), as GEM_PATH takes it. */
  ruby: () => unpacked('ruby-rainbow', 'usr/share/rubygems-integration/all'),
  /** libghc-split-dev's registration in GHC's package database (its `.conf`). */
  haskell: () => {
    const db = unpacked('libghc-split-dev', 'var/lib/ghc/package.conf.d');
    return path.join(db, fs.readdirSync(db).find((f) => f.startsWith('split-')) as string);
  },
  /**
   * GHC's ghc-pkg, reading the global package database of its own package (Debian's wrapper
   * passes it the same way). Only ghc-pkg and the libraries it loads: the whole of ghc is 760 MB.
   */
  ghcPkg: () => {
    const ghc = debianPackage('ghc', [
      './usr/lib/ghc/bin/ghc-pkg',
      './usr/lib/ghc/*/libHS*.so',
      './var/lib/ghc/package.conf.d/*',
    ]);
    return [
      path.join(ghc, 'root/usr/lib/ghc/bin/ghc-pkg'),
      '--global-package-db',
      path.join(ghc, 'root/var/lib/ghc/package.conf.d'),
    ];
  },
};

/** Copies `files` (name → source; links followed) into `dir`, then optionally edits one file's text. */
export function copyModule(dir: string, files: Record<string, string>, edit?: [string, RegExp, string]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, from] of Object.entries(files))
    fs.cpSync(from, path.join(dir, name), { recursive: true, dereference: true });
  if (edit) {
    const file = path.join(dir, edit[0]);
    const text = fs.readFileSync(file, 'utf8');
    if (!edit[1].test(text)) throw new Error(`${file}: ${edit[1]} is not there to edit`);
    fs.writeFileSync(file, text.replace(edit[1], edit[2]));
  }
}

/** A tree whose programs (name → Dependencies) each have `bin/<lower-case name>` running its arguments. */
export function appTree(programs: Record<string, string>): string {
  const root = makeTree({
    programs: Object.fromEntries(
      Object.entries(programs).map(([name, deps]) => [
        name,
        { '1.0': { deps, files: { [`bin/${name.toLowerCase()}`]: '#!/bin/sh\nexec "$@"\n' } } },
      ]),
    ),
    current: Object.fromEntries(Object.keys(programs).map((name) => [name, '1.0'])),
  });
  linkIndex(root, Object.fromEntries(Object.keys(programs).map((name) => [name, '1.0'])));
  return root;
}

/** The CLI as root, without the plan cache. */
export function runner(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [path.join(projectRoot, 'dist/bundle/main.cjs'), ...args], {
    encoding: 'utf8',
    cwd: '/',
    env: { ...envAs('root'), RUNNER_NO_CACHE: '1', ...env },
  });
}

/** `--resolve --json`'s choices as "name version". */
export function chosen(root: string, program = 'App', env: NodeJS.ProcessEnv = {}): string[] {
  const resolved = runner(['--root', root, '--resolve', program, '--json'], env);
  if (resolved.status !== 0) throw new Error(`--resolve exited ${resolved.status}: ${resolved.stderr}`);
  return JSON.parse(resolved.stdout).dependencies.map(
    (d: { name: string; version: string }) => `${d.name} ${d.version}`,
  );
}

/**
 * Launches of `app` through the native front with a plan cache of their own, each running Python's
 * `code` in the view: what it printed, and whether Node was started (no: the cached plan was used).
 */
export function pythonLaunches(root: string, code: string): () => { printed: string; viaNode: boolean } {
  const { env: counting, count: nodeStarts } = nodeStartCounter(tempDir('runner-alien-marks-'));
  const env = { ...envAs('root'), ...counting, XDG_CACHE_HOME: tempDir('runner-alien-cache-') };
  return () => {
    const before = nodeStarts();
    const seen = spawnSync(
      path.join(projectRoot, 'bin/Runner'),
      ['--root', root, 'app', '/usr/bin/python3', '-c', code],
      {
        encoding: 'utf8',
        env,
        cwd: '/',
      },
    );
    if (seen.status !== 0) throw new Error(`the launch exited ${seen.status}: ${seen.stderr}`);
    return { printed: seen.stdout.trim(), viaNode: nodeStarts() > before };
  };
}

/** Long enough for the plan cache to trust what it saw (it does not trust files changed in the last 50 ms). */
export function settle(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
}
