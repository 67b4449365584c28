// V8's code cache of the CLI bundle: compiling the bundle from source costs every Node start more
// than the whole rest of `Runner --version` (docs/benchmarks.md); compiling it with the bytes V8
// saved last time skips the parsing. Node 22 has this built in (module.enableCompileCache);
// Runner supports Node 20, so the loader keeps the cache itself, as the plan cache's neighbour.
//
// The file is code Runner will run, so it is trusted only as a plan cache entry is: a regular
// file (not through a symlink) owned by the caller and writable by no one else. It starts with a
// line naming the bundle it was made from (device, inode, size, times) and the Node that made it:
// V8 checks only the source's length, so an edited bundle of the same length must not meet old
// code. Anything else is a miss, and a miss only costs the compile.
//
// V8 saves the functions compiled so far, so what a cache holds depends on what the runs that made
// it did: the second line names those actions (`covers version,resolve`). A run whose action is not
// among them compiles its own code (the solver, the planner) lazily, and then writes the cache
// again with that code too; after the first run of each action, none is compiled again.
import type fs from 'node:fs';
import path from 'node:path';
import { fnv1a64 } from '../base/fnv.js';
import { readOwnedFile } from '../base/owned-file.js';

const MAGIC = 'RUNNER-CODE-1';
/** Larger files are not read: the real cache is a few hundred KiB. */
const MAX_BYTES = 64 * 1024 * 1024;

/** What the cache must have been made from: this bundle file, this Node. */
export function bundleIdentity(stat: fs.BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs} node ${process.version} ${process.arch}`;
}

/**
 * One file per installed bundle (by its path) and Node flags: an upgrade in place replaces it. V8
 * rejects code cached under other flags, so starts with other flags (runner-front passes
 * package.json's config.nodeFlags; `node main.cjs` passes none) keep files of their own instead of
 * each throwing the other's away.
 */
export function codeCachePath(dir: string, bundle: string, nodeFlags: readonly string[]): string {
  return path.join(dir, `code-${fnv1a64([Buffer.from([bundle, ...nodeFlags].join('\0'))])}`);
}

/** The line the file starts with: what it was made from. */
const header = (identity: string) => Buffer.from(`${MAGIC} ${identity}\n`);

const COVERS = 'covers ';

/** The code V8 saved, and the actions of the runs that compiled it. */
export interface CodeCache {
  data: Buffer;
  covers: string[];
}

/** The cached code for `identity`, or undefined when there is none that may be trusted. */
export function readCodeCache(file: string, identity: string): CodeCache | undefined {
  const bytes = readOwnedFile(file, process.getuid?.(), MAX_BYTES, true);
  const expected = header(identity);
  if (bytes === undefined || !bytes.subarray(0, expected.length).equals(expected)) return undefined;
  const end = bytes.indexOf(10, expected.length);
  if (end < 0) return undefined;
  const line = bytes.toString('latin1', expected.length, end);
  return line.startsWith(COVERS)
    ? { data: bytes.subarray(end + 1), covers: line.slice(COVERS.length).split(',').filter(Boolean) }
    : undefined;
}

/** The file's content: the header line, the actions it covers, then V8's bytes. */
export function codeCacheContent(identity: string, covers: readonly string[], data: Buffer): Buffer {
  return Buffer.concat([header(identity), Buffer.from(`${COVERS}${covers.join(',')}\n`), data]);
}
