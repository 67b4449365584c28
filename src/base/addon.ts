// The native part, found and loaded in one place: the addon (raw argv and environment, memfd,
// execve, the executor's environment code, identities for the plan cache) and the executor's path.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, RunnerError } from './errors.js';
import { packageRoot } from './package-root.js';

export interface Addon {
  rawArgv(): Buffer[];
  memfd(name: string, data: Buffer): number;
  /** Replaces this process, with its own environment as the C `environ` holds it, byte for byte. */
  execve(file: string, argv: (string | Buffer)[]): never;
  /** The variable's value as the environment holds it (process.env has it decoded as UTF-8). */
  rawEnv(name: string): Buffer | undefined;
  applyEnvOps(plan: Buffer, env: (string | Buffer)[]): { env: Buffer[]; warnings: string[] };
  /** What runner-front's re-check of a plan-cache record finds at `path` (addon/batch-stat.h). */
  identity(path: string | Buffer, follow: boolean, owner: boolean): string;
  userNamespaces(path: string): string[];
}

/** A checkout (it has the build files) runs its own build; an installed package its prebuilt part. */
const isCheckout = fs.existsSync(path.join(packageRoot(), 'binding.gyp'));

/** Where the native part is: a source build (build/Release), else prebuilds/linux-<arch> (`npm run release`). */
function nativeDir(): string {
  const built = path.join(packageRoot(), 'build/Release');
  if (isCheckout || fs.existsSync(built)) return built;
  return path.join(packageRoot(), 'prebuilds', `${process.platform}-${process.arch}`);
}

const buildDir = nativeDir();
/** runner-exec: builds the view and execs the command (addon/exec.cc). */
export const helperPath = path.join(buildDir, 'runner-exec');

let addon: Addon | undefined;
export function loadAddon(): Addon {
  if (addon) return addon;
  const file = path.join(buildDir, 'runner_addon.node');
  try {
    addon = createRequire(import.meta.url)(file) as Addon;
  } catch (error) {
    // An installation whose native part was never built (npm install --ignore-scripts) or does not
    // load here: one line that says what is missing and how to build it, never a require stack.
    const why =
      (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
        ? 'is missing'
        : `does not load here (${String((error as Error).message).split('\n')[0]})`;
    // A checkout can build it; an installed package carries its prebuilt part and no sources.
    const how = isCheckout
      ? `build it with 'npm run build' in ${packageRoot()} (needs make, python3 and a C++ compiler)`
      : `this package has none for ${process.platform}-${process.arch} that loads here; build Runner from its source ('npm ci && npm run build' in a checkout, with make, python3 and a C++ compiler)`;
    throw new RunnerError(`Runner's native part ${file} ${why}; ${how}`, ExitCode.usage);
  }
  return addon;
}
