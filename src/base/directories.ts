// Directories and paths: whether one is there, where a path really leads, and `mkdir -p`.
import fs from 'node:fs';
import path from 'node:path';

/**
 * Whether a directory is at `p` (following symlinks). Nothing there is answered without an
 * exception, which costs Node twice the stat itself: asked of every layer's and every other
 * version's `Resources/Wrappers`, which few versions have.
 */
export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false; // ENOTDIR, EACCES, ELOOP: no directory to use either
  }
}

/** The real path of `p` (symlinks resolved, as libc's realpath), or `fallback` when it has none. */
export function realpathOr<T>(p: string | Buffer, fallback: T): string | T {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return fallback;
  }
}

/**
 * `mkdir -p`, one component at a time: Node's own recursive mkdir never returns for some paths
 * (under /proc it retries forever), and this way each step is an ordinary mkdir with its errno.
 * `exact`: each directory made gets `mode` whatever the umask (mkdir's own mode is masked by it).
 */
export function makeDirectories(dir: string, mode = 0o755, exact = false): void {
  const missing: string[] = [];
  for (let at = dir; !fs.existsSync(at); at = path.dirname(at)) missing.unshift(at);
  for (const each of missing) {
    fs.mkdirSync(each, { mode });
    if (exact) fs.chmodSync(each, mode);
  }
}
