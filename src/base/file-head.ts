// Reading the start of a file found in the tree: opened without blocking, since a FIFO standing
// where a program or script was looked for must not hang the run.
import fs from 'node:fs';
import type { FilePath } from './file-path.js';

/** Opens `file` read-only without blocking, hands the descriptor to `use`, and closes it. Throws what open throws. */
export function withFileOpen<T>(file: FilePath, use: (fd: number) => T): T {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  try {
    return use(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The first `limit` bytes of `file` (fewer if it is shorter), or undefined when it cannot be read. */
export function readHead(file: FilePath, limit: number): Buffer | undefined {
  try {
    return withFileOpen(file, (fd) => {
      const buffer = Buffer.alloc(limit);
      return buffer.subarray(0, fs.readSync(fd, buffer, 0, limit, 0));
    });
  } catch {
    return undefined;
  }
}
