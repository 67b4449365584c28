// What the boot loader (boot/main.ts) and the CLI it starts share. They are two bundles, so the
// one live object between them sits under a global symbol; it is absent when the CLI runs without
// the loader (from dist/src, as the tests' in-process helpers do).

/** The CLI bundle, relative to the package root (the plan cache's `build` record names it too). */
export const CLI_BUNDLE = 'dist/bundle/cli.cjs';

export interface BootHooks {
  /** This run is `action` (once its options are read; not called under --no-cache). */
  codeCacheFor(action: string): void;
  /**
   * At the end of Node's part of the run (its exit, or the exec of the command): writes V8's code
   * cache for the CLI if this start had none it could use or its action is not in it; at most
   * once, never fails. `completed`: the action ran to its end (not a usage or lookup error).
   */
  saveCodeCache(completed: boolean): void;
}

const KEY = Symbol.for('runner.boot');

export function bootHooks(): BootHooks | undefined {
  return (globalThis as { [KEY]?: BootHooks })[KEY];
}

export function setBootHooks(hooks: BootHooks): void {
  (globalThis as { [KEY]?: BootHooks })[KEY] = hooks;
}
