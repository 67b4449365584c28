// Writing a file so that a reader never sees half of it: a temp file beside it, created with
// O_EXCL (never through a planted link, never into someone else's file), then renamed over the
// name; the temp file is removed if anything fails. `dir` must be the caller's own (xdg.ts
// ownDirectory for the caches; the applications directory for desktop entries).
import fs from 'node:fs';
import path from 'node:path';

export function writeAtomically(dir: string, name: string, data: Uint8Array | string, mode = 0o600): void {
  const temp = path.join(dir, `.tmp-${process.pid}-${name}`);
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
}
