// Bundles the compiled CLI (dist/src/cli/main.js) into dist/bundle/: Node then loads a few files
// instead of some fifty ES modules at every start. Actions loaded on demand stay separate chunks
// (code splitting), so a launch does not pay for --desktop or --help. Run by `npm run prepare`.
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: ['dist/src/cli/main.js'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Bundled CommonJS dependencies (semver, yargs-parser) call require() for Node's own modules.
  banner: { js: "import { createRequire as __runnerCreateRequire } from 'node:module'; const require = __runnerCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
