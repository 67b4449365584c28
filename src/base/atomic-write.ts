// Writing a file so that a reader never sees half of it: a temp file beside it, created with
// O_EXCL (never through a planted link, never into someone else's file), then renamed over the
// name; the temp file is removed if anything fails. `dir` must be the caller's own (xdg.ts
// ownDirectory for the caches; the applications directory for desktop entries).
//
// A writer killed between the two (kill -9, a power cut) leaves its temp file behind, and no
// `finally` runs to remove it: the next write to the directory removes those of writers that are
// gone, so that nothing is left for good.
import fs from 'node:fs';
import path from 'node:path';

const TEMP_PREFIX = '.tmp-';
/** A temp file younger than this is left alone whatever its pid says (another pid namespace). */
const ABANDONED_AFTER_MS = 60_000;

export function writeAtomically(dir: string, name: string, data: Uint8Array | string, mode = 0o600): void {
  const temp = path.join(dir, `${TEMP_PREFIX}${process.pid}-${name}`);
  let renamed = false;
  try {
    const fd = fs.openSync(temp, 'wx', mode);
    try {
      fs.writeFileSync(fd, data); // loops until all of it is written
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, path.join(dir, name));
    renamed = true;
  } finally {
    if (!renamed) fs.rmSync(temp, { force: true });
  }
  removeAbandonedTemps(dir);
}

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Removes the temp files of writers that died before renaming them (see above). Never fails. */
function removeAbandonedTemps(dir: string): void {
  const now = Date.now();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(TEMP_PREFIX) ? /^(\d+)-/.exec(name.slice(TEMP_PREFIX.length))?.[1] : undefined;
    if (pid === undefined || Number(pid) === process.pid || !processIsGone(Number(pid))) continue;
    const file = path.join(dir, name);
    try {
      // lstat: a symlink planted under such a name is removed as the link, never followed.
      if (now - fs.lstatSync(file).mtimeMs > ABANDONED_AFTER_MS) fs.unlinkSync(file);
    } catch {
      // gone already, or not ours to remove: left
    }
  }
}
