// Runner's Node entry point (dist/bundle/main.cjs, what runner-front starts): compiles the CLI
// bundle (dist/bundle/cli.cjs) with V8's code cache and runs it. Kept small and CommonJS on
// purpose: an ES module entry costs Node's ESM loader (~15 ms) before any of Runner runs.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { writeAtomically } from '../util/atomic-write.js';
import { cacheDirectory, cacheTurnedOff, ownDirectory } from '../cli/xdg.js';
import { bundleIdentity, codeCacheContent, codeCachePath, readCodeCache } from './code-cache.js';
import { CLI_BUNDLE, setBootHooks } from './hooks.js';

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
    process.stderr.write(`Runner: cannot read ${bundle} (${(error as NodeJS.ErrnoException).code ?? String(error)}); reinstall Runner\n`);
    process.exit(125);
  }
}

const { source, identity } = readBundle();

const useCache = !cacheTurnedOff();
const cacheFile = useCache ? codeCachePath(cacheDirectory(), bundle) : undefined;
const cachedData = cacheFile === undefined ? undefined : readCodeCache(cacheFile, identity);
// The same function Node wraps a CommonJS module in.
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });

let wanted = useCache && (cachedData === undefined || script.cachedDataRejected === true);
setBootHooks({
  // Called by the CLI once its options are read (so the cache holds option parsing too), unless
  // --no-cache: the cache is written by the first start of each bundle, and a failure to write
  // it (read-only home, a directory not the caller's) only means compiling again next time.
  saveCodeCache() {
    if (!wanted || cacheFile === undefined) return;
    wanted = false;
    try {
      writeAtomically(ownDirectory(path.dirname(cacheFile)), path.basename(cacheFile), codeCacheContent(identity, script.createCachedData()));
    } catch {
      // not kept: see above
    }
  },
});

const cli = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void).call(cli.exports, cli.exports, createRequire(bundle), cli, bundle, path.dirname(bundle));
