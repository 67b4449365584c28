// Reading a file that only its owner may have made (a view record, V8's code cache): opened
// without following a symlink and without blocking (a FIFO planted at the name cannot hang us),
// then trusted only if fstat shows a regular file of the expected owner and sane size.
import fs from 'node:fs';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = fs.constants;

/**
 * The file's bytes, or undefined when it is absent or not to be trusted: not a regular file, not
 * `owner`'s, larger than `maxBytes`, or (`privateOnly`) readable or writable by anyone else.
 */
export function readOwnedFile(
  file: string,
  owner: number | undefined,
  maxBytes: number,
  privateOnly = false,
): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.uid !== owner || stat.size > maxBytes || (privateOnly && (stat.mode & 0o077) !== 0))
      return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
