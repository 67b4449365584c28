// Bundles the compiled CLI into dist/bundle/ (run by `npm run build`):
// - cli.cjs: the whole CLI (dist/src/cli/main.js and all it imports) in one CommonJS file;
// - main.cjs: the small entry point that compiles cli.cjs with V8's code cache (src/boot/main.ts).
// CommonJS because Node's ES module loader costs ~15 ms at every start, and one file because V8's
// code cache is per script. Actions that are not always needed are still loaded on demand: their
// code is compiled only when called (V8 compiles functions lazily).
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // The sources find their package from their own location (import.meta.url), as in dist/src.
  define: { 'import.meta.url': '__runnerModuleUrl' },
  banner: { js: "const __runnerModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  // No comments or indentation: a third of the bytes every start reads and hands to V8. Names
  // are kept (stack traces stay readable). esbuild writes non-ASCII as escapes (its default
  // charset), so the bundle is pure ASCII, which boot/main.ts relies on to read it as latin1.
  minifyWhitespace: true,
  minifySyntax: true,
};

await esbuild.build({ ...common, entryPoints: ['dist/src/cli/main.js'], outfile: 'dist/bundle/cli.cjs' });
await esbuild.build({ ...common, entryPoints: ['dist/src/boot/main.js'], outfile: 'dist/bundle/main.cjs' });

// Every module's `import fs from 'node:fs'` becomes `__toESM(require("node:fs"), 1)`, which copies
// each of the module's properties onto a new object as a getter: fs has over 100, and fs, path and
// os are imported at 70 places, which cost 5-8 ms of every start. For these three (plain functions
// and values, which nothing enumerates) an object whose prototype is the module, with `default`
// the module itself, reads the same, live (observe.ts wraps fs functions in place), for nothing.
const CHEAP_BUILTINS = ['fs', 'path', 'os'];
const builtinShim =
  'const __runnerBuiltin = (mod) => Object.create(mod, { default: { value: mod, enumerable: true } });';
for (const file of ['dist/bundle/cli.cjs', 'dist/bundle/main.cjs']) {
  let text = readFileSync(file, 'latin1');
  let replaced = 0;
  for (const name of CHEAP_BUILTINS) {
    const call = `__toESM(require("node:${name}"),1)`;
    replaced += text.split(call).length - 1;
    text = text.replaceAll(call, `__runnerBuiltin(require("node:${name}"))`);
  }
  // esbuild's output changed shape: better to stop here than to start slowly without noticing.
  if (replaced === 0) throw new Error(`${file}: no __toESM(require("node:...")) call to replace`);
  // The directive comes first, or it is none: esbuild writes it after its banner, which left the
  // bundle in sloppy mode, unlike the ES modules it is made of (and the tests that run them).
  writeFileSync(file, `"use strict";\n${builtinShim}\n${text}`, 'latin1');
}

// boot/main.ts reads the CLI bundle as latin1, which is right only for ASCII.
const cliBytes = readFileSync('dist/bundle/cli.cjs');
const nonAscii = cliBytes.findIndex((byte) => byte > 0x7f);
if (nonAscii >= 0)
  throw new Error(`dist/bundle/cli.cjs has a non-ASCII byte at ${nonAscii}; boot/main.ts reads it as latin1`);
