// Runner's Node entry point (dist/bundle/main.cjs, what runner-front starts): compiles the CLI
// bundle (dist/bundle/cli.cjs) with V8's code cache and runs it. Kept small and CommonJS on
// purpose: an ES module entry costs Node's ESM loader its start-up before any of Runner runs.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { writeAtomically } from '../base/atomic-write.js';
import { cacheDirectory, cacheTurnedOff, ownDirectory } from '../base/xdg.js';
import { bundleIdentity, codeCacheContent, codeCachePath, readCodeCache } from './code-cache.js';
import { CLI_BUNDLE, setBootHooks } from '../base/boot-hooks.js';

const bundle = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..', CLI_BUNDLE);

/** The bundle's source and identity; an installation without it gets one line and exit 125. */
function readBundle(): { source: string; identity: string } {
  try {
    const fd = fs.openSync(bundle, 'r');
    try {
      // latin1: the bundle is ASCII (bundle.mjs checks), and a one-byte read is 3× faster than UTF-8.
      return { identity: bundleIdentity(fs.fstatSync(fd, { bigint: true })), source: fs.readFileSync(fd, 'latin1') };
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    process.stderr.write(
      `Runner: cannot read ${bundle} (${(error as NodeJS.ErrnoException).code ?? String(error)}); reinstall Runner\n`,
    );
    process.exit(125);
  }
}

const { source, identity } = readBundle();

const useCache = !cacheTurnedOff();
const cacheDir = useCache ? cacheDirectory() : undefined;
const cacheFile = cacheDir === undefined ? undefined : codeCachePath(cacheDir, bundle, process.execArgv);
const cached = cacheFile === undefined ? undefined : readCodeCache(cacheFile, identity);
// The same function Node wraps a CommonJS module in.
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  cachedData: cached?.data,
});

// What the cache this start used holds (none when V8 rejected it), and this run's action.
const covers = cached === undefined || script.cachedDataRejected === true ? undefined : cached.covers;
let action: string | undefined;
setBootHooks({
  codeCacheFor(name) {
    action = name;
  },
  // A cache is written by the first start of each bundle and again by the first run of each
  // action it does not cover yet, at the end, so that it holds what that action compiled. A
  // failure to write it (read-only home, a directory not the caller's) only means compiling again.
  // A run that failed part way (a command not found) may not have compiled its action's code:
  // it writes a cache only where there was none, and does not count its action as covered.
  saveCodeCache(completed) {
    const name = action;
    action = undefined;
    if (name === undefined || cacheFile === undefined || covers?.includes(name) || (!completed && covers !== undefined))
      return;
    try {
      // The directory first: where it cannot be had, V8 is not asked to serialize for nothing.
      const dir = ownDirectory(path.dirname(cacheFile));
      const nowCovers = [...(covers ?? []), ...(completed ? [name] : [])];
      writeAtomically(dir, path.basename(cacheFile), codeCacheContent(identity, nowCovers, script.createCachedData()));
    } catch {
      // not kept: see above
    }
  },
});

const cli = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void).call(
  cli.exports,
  cli.exports,
  createRequire(bundle),
  cli,
  bundle,
  path.dirname(bundle),
);
