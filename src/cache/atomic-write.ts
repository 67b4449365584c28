// Writing a file of the cache directory so that a reader never sees half of it: a temp file
// created with O_EXCL (never through a planted link, never into someone else's file), mode 0600,
// then renamed over the name. `dir` must be the caller's own (xdg.ts ownDirectory).
import fs from 'node:fs';
import path from 'node:path';

export function writeAtomically(dir: string, name: string, data: Uint8Array): void {
  const temp = path.join(dir, `.tmp-${process.pid}-${name}`);
  let renamed = false;
  try {
    const fd = fs.openSync(temp, 'wx', 0o600);
    try {
      fs.writeSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, path.join(dir, name));
    renamed = true;
  } finally {
    if (!renamed) fs.rmSync(temp, { force: true });
  }
}
