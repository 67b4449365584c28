// Reading a metadata file of an untrusted tree (Dependencies, Architecture, Environment, `-d`
// files, CompatibilityList): opened without blocking, checked with fstat to be a regular file of
// sane size, read to at most that size. A FIFO, a device, a directory, a link to /dev/zero or a
// link that dangles or loops is a problem naming the file, never a hang, a huge read or "absent".
//
// Running as root, a tree another user can write hands that user root (an Environment file can
// set LD_PRELOAD). As OpenSSH's StrictModes does, root refuses metadata that a user other than
// root can write, unless told the tree is trusted (`--trust-tree`): base/root-safety.ts decides.
//
// These are Node's own fs calls on purpose: the same read done in one call to the addon was no
// faster, since the time is the kernel's, not the bindings' (docs/benchmarks.md).
import fs from 'node:fs';
import { fileNotRootsAlone } from '../base/root-safety.js';

/** Larger metadata files are refused: real ones are well under 64 KiB. */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024;

export type MetadataRead = { kind: 'absent' } | { kind: 'ok'; bytes: Buffer } | { kind: 'bad'; message: string };

export interface ReadPolicy {
  /** Refuse files and their directories that a non-root user can write (set when running as root). */
  ownersMustBeRoot: boolean;
  /** Directory → why it is not trusted ('' when it is): the files of one version share them. */
  checkedDirectories?: Map<string, string>;
}

const { O_RDONLY, O_NONBLOCK, O_NOCTTY } = fs.constants;

function fileKind(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * What stands at `file` itself (a symlink is not followed): undefined when nothing does, also
 * under a directory on the way that is not one (ENOTDIR: a `Resources` that is a file); null when
 * it cannot be told (EACCES: the open that follows says why). ENOENT is answered without an
 * exception, which would cost more than the lstat itself.
 */
function entryAt(file: string): fs.Stats | undefined | null {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? undefined : null;
  }
}

/**
 * Reads a metadata file. `top`: the directory up to which, under the root policy, the directories
 * holding the file are checked too (a program's directory under Programs).
 */
export function readMetadataFile(
  file: string,
  policy: ReadPolicy = { ownersMustBeRoot: false },
  top?: string,
  usuallyAbsent = false,
): MetadataRead {
  // A file that is usually absent (few versions have an Architecture or Environment file) is
  // looked for with an lstat first: no exception, much cheaper than a failed open that throws, and
  // cheaper than listing its directory (docs/benchmarks.md). For the plan cache, "nothing there"
  // is recorded as the directory's identity (cache/observe.ts), as a listing would be.
  if (usuallyAbsent && entryAt(file) === undefined) return { kind: 'absent' };
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // Absent, unless a symlink stands there: a dangling link is a broken file, not "none".
      if (entryAt(file)?.isSymbolicLink()) return { kind: 'bad', message: 'is a symlink that leads nowhere' };
      return { kind: 'absent' };
    }
    if (code === 'ELOOP') return { kind: 'bad', message: 'is a symlink loop' };
    return { kind: 'bad', message: `cannot be opened (${code ?? String(error)})` };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { kind: 'bad', message: `is ${fileKind(stat)}, not a regular file` };
    if (stat.size > MAX_METADATA_BYTES)
      return {
        kind: 'bad',
        message: `is ${stat.size} bytes, more than the ${MAX_METADATA_BYTES} a metadata file may have`,
      };
    if (policy.ownersMustBeRoot) {
      policy.checkedDirectories ??= new Map();
      const why = fileNotRootsAlone(file, stat, top, policy.checkedDirectories);
      if (why)
        return { kind: 'bad', message: `${why}; running as root, Runner does not trust it (--trust-tree overrides)` };
    }
    // Read at most one byte more than allowed: the file may grow while we read. A regular file
    // gives all it has up to the count asked, so a read that returns less has reached its end.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, MAX_METADATA_BYTES) + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      length += n;
      if (length === buffer.length) return { kind: 'bad', message: 'grew while it was read' };
      if (n === 0 || length === stat.size) break;
    }
    return { kind: 'ok', bytes: buffer.subarray(0, length) };
  } catch (error) {
    return { kind: 'bad', message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  } finally {
    fs.closeSync(fd);
  }
}
