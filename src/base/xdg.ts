// XDG Base Directory locations. The spec says a relative path in an XDG_* variable is invalid and
// must be ignored, so only an absolute one counts; otherwise the default under $HOME.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitCode, RunnerError, type ExitCodeValue } from './errors.js';
import { makeDirectories } from './directories.js';
import { anotherUsersDirectory, isHostRoot } from './root-safety.js';

export function xdgDir(
  variable: 'XDG_STATE_HOME' | 'XDG_DATA_HOME' | 'XDG_CACHE_HOME',
  fallback: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const value = env[variable];
  if (value && path.isAbsolute(value)) return value;
  if (env.HOME && path.isAbsolute(env.HOME)) return path.join(env.HOME, fallback);
  // No usable HOME: the user database's entry. A uid that has none (a container's `--user 4242`,
  // systemd's DynamicUser) has no home at all.
  let home: string;
  try {
    home = os.userInfo().homedir;
  } catch {
    home = '';
  }
  if (!path.isAbsolute(home))
    throw new RunnerError(
      `no home directory: HOME is not set and uid ${process.getuid?.()} has no entry in the user database; set HOME or ${variable}`,
      ExitCode.view,
    );
  return path.join(home, fallback);
}

/**
 * Where Runner keeps what only saves time (plans, V8's code cache): nothing in it is needed, so
 * without XDG_CACHE_HOME or HOME there is none (undefined). The front looks only there too
 * (addon/cache.cc: a static binary cannot ask the user database).
 */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const usable = (value: string | undefined) => value !== undefined && path.isAbsolute(value);
  if (!usable(env.XDG_CACHE_HOME) && !usable(env.HOME)) return undefined;
  return path.join(xdgDir('XDG_CACHE_HOME', '.cache', env), 'Runner');
}

/** RUNNER_NO_CACHE set (to anything but 0): no cache is read or written (addon/cache.cc agrees). */
export function cacheTurnedOff(env: NodeJS.ProcessEnv = process.env): boolean {
  const off = env.RUNNER_NO_CACHE;
  return off !== undefined && off !== '' && off !== '0';
}

/**
 * `dir` as a directory of the caller's own: created (mode 0700) when missing, refused when it is a
 * symlink, not a directory, or owned by someone else, so that nothing is written through a link
 * that another user planted. Failures are one line with `code`.
 */
export function ownDirectory(dir: string, code: ExitCodeValue = ExitCode.view): string {
  refuseOtherUsersDirectory(dir, code);
  try {
    makeDirectories(dir, 0o700);
  } catch (error) {
    throw new RunnerError(`cannot create ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, code);
  }
  const stat = fs.lstatSync(dir);
  if (stat.isSymbolicLink()) throw new RunnerError(`${dir} is a symlink; refusing to write through it`, code);
  if (!stat.isDirectory()) throw new RunnerError(`${dir} is not a directory`, code);
  if (stat.uid !== process.getuid?.())
    throw new RunnerError(`${dir} belongs to uid ${stat.uid}, not to you; refusing to write there`, code);
  return dir;
}

/**
 * As root, refuses to write under `dir` when it, or a directory above it, belongs to another user.
 */
export function refuseOtherUsersDirectory(dir: string, code: ExitCodeValue): void {
  if (!isHostRoot()) return;
  const other = anotherUsersDirectory(dir);
  if (other)
    throw new RunnerError(
      `${other.dir} belongs to uid ${other.uid}: as root, Runner writes nothing under another user's directory (HOME or XDG_* kept from that user, as by su or sudo -E)`,
      code,
    );
}
