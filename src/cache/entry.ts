// Writes a launch's plan to the plan cache, for runner-front to run next time without Node
// (addon/cache.h has the format and the reader). The cache is only an optimisation: any reason
// not to write an entry means no entry, never a failed launch.
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../base/package-root.js';
import type { MountPlan } from '../overlay/plan.js';
import { planOperations, serializeOps, type Token } from '../overlay/serialize.js';
import { CLI_BUNDLE } from '../base/boot-hooks.js';
import { cacheDirectory, ownDirectory } from '../base/xdg.js';
import { exactEnv, KEPT_PREFIX } from '../base/raw-args.js';
import { writeAtomically } from '../base/atomic-write.js';
import { readOwnedFile } from '../base/owned-file.js';
import { fnv1a64, fnv1a64Bytes } from '../base/fnv.js';
import { dirnameOf, pathKey } from '../base/file-path.js';
import type { Observation, Question } from './observe.js';

export const CACHE_MAGIC = 'RUNNER-CACHE-1';

/**
 * A file changed less than this before planning began could change again within the same tick of
 * the kernel's file-time clock and keep its identity: such a plan is not cached (git's "racy"
 * rule). A few jiffies.
 */
const RACY_NS = 50_000_000n;

/** The front reads no larger entry (addon/cache.cc: kMaxEntryBytes): a larger one is not written. */
export const MAX_ENTRY_BYTES = 64 << 20;

/**
 * The entry followed by `sum\0<FNV-1a 64 of everything before it, 16 hex digits>\0`: the front
 * runs only an entry that is byte for byte what Runner wrote (addon/cache.cc: kChecksumTail).
 */
export function withChecksum(body: Buffer): Buffer {
  return Buffer.concat([body, Buffer.from(`sum\0${fnv1a64Bytes(body)}\0`)]);
}

/** Whether `entry` is what withChecksum makes of its body: the checksum written again matches. */
export function checksumHolds(entry: Buffer): boolean {
  return entry.length >= CHECKSUM_TAIL && withChecksum(entry.subarray(0, entry.length - CHECKSUM_TAIL)).equals(entry);
}

/** `sum\0`, 16 hex digits and a NUL. */
const CHECKSUM_TAIL = 4 + 16 + 1;

/** FNV-1a over "<uid>\0<word>\0…" (as addon/cache.cc): only a file name. */
export function entryName(uid: number, words: readonly Uint8Array[]): string {
  return `plan-${fnv1a64([Buffer.from(String(uid)), ...words])}`;
}

/** The identity the front compares for the `build` record: which CLI made the entry. */
function buildIdentity(): string {
  const stat = fs.statSync(path.join(packageRoot(), CLI_BUNDLE), { bigint: true });
  return `${stat.dev}:${stat.ino}:${stat.mode}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

export interface CacheInput {
  /** The command line's words up to and including the command word, as the kernel gave them. */
  words: Uint8Array[];
  observation: Observation;
  /** When planning began, ns since the epoch. */
  startedNs: bigint;
  warnings: readonly string[];
  plan: MountPlan;
}

/** Why the entry cannot be written, if it cannot. */
export function notCacheable(input: CacheInput): string | undefined {
  if (input.observation.unrecordable) return input.observation.unrecordable;
  if (input.observation.newestChangeNs > input.startedNs - RACY_NS) return 'a file it depends on changed a moment ago';
  return undefined;
}

/** The mode in an identity (dev:ino:mode:…) or an owner answer (uid:gid:mode): the third field either way. */
const modeIn = (answer: string): string | undefined => answer.split(':')[2];

/**
 * The records without those another implies:
 * - where stat and lstat of a path gave the same answer (no symlink there, or nothing at all),
 *   re-checking the lstat answer is enough;
 * - an owner record (root's trust: uid, gid, mode of an lstat) where the same object's identity is
 *   re-checked anyway: a chown or chmod changes its ctime. That is an lstat of the path, or a stat
 *   of it that found the same kind of file (so no symlink stood there) while its directory's
 *   identity is re-checked too: putting something else at the name changes that directory.
 */
function necessary(records: readonly Question[]): Question[] {
  const identities = (kind: Question['kind']) =>
    new Map(records.filter((r) => r.kind === kind).map((r) => [pathKey(r.path), String(r.answer)]));
  const lstat = identities('lstat');
  const stat = identities('stat');
  const known = (p: string | undefined) => p !== undefined && !p.startsWith('E');
  const ownerImplied = (r: Question) => {
    const key = pathKey(r.path);
    if (known(lstat.get(key))) return true;
    const followed = stat.get(key);
    if (!known(followed) || modeIn(followed as string) !== modeIn(String(r.answer))) return false;
    const dir = pathKey(dirnameOf(r.path));
    return dir !== key && (known(stat.get(dir)) || known(lstat.get(dir)));
  };
  return records.filter((r) =>
    r.kind === 'stat' ? lstat.get(pathKey(r.path)) !== String(r.answer) : r.kind !== 'owner' || !ownerImplied(r),
  );
}

export function entryOperations(input: CacheInput, uid: number): Token[][] {
  const { observation, plan } = input;
  const ops: Token[][] = [
    ['build', buildIdentity()],
    ['uid', String(uid)],
    ['words', String(input.words.length), ...input.words],
  ];
  // runner-front compares a variable's bytes: a value that is not UTF-8 must be kept as it is, not
  // as process.env decoded it, or the entry could never match. A NODE_* variable is recorded under
  // its own name, with the caller's value (raw-args.ts: KEPT_PREFIX), as the front will see it.
  const names = new Set(
    [...observation.env.keys()].map((name) => (name.startsWith(KEPT_PREFIX) ? name.slice(KEPT_PREFIX.length) : name)),
  );
  for (const name of names) {
    const value = exactEnv(name);
    ops.push(value === undefined ? ['noenv', name] : ['env', name, value]);
  }
  if (observation.cwd !== undefined) ops.push(['cwd', observation.cwd]);
  for (const record of necessary(observation.records)) ops.push([record.kind, record.path, record.answer]);
  for (const warning of input.warnings) ops.push(['warn', warning]);
  ops.push(['argvfrom', String(plan.exec.from)]);
  for (const item of planOperations(plan, plan.exec.argv.slice(0, plan.exec.fixed))) ops.push(item);
  return ops;
}

/**
 * Writes the entry (temp file, mode 0600, then rename: a reader never sees half of one).
 * Returns what went wrong, if anything; the launch goes on either way.
 */
export function writeCacheEntry(input: CacheInput): string | undefined {
  const why = notCacheable(input);
  if (why) return why;
  const uid = process.getuid?.() ?? -1;
  try {
    const entry = withChecksum(serializeOps(CACHE_MAGIC, entryOperations(input, uid)));
    if (entry.length > MAX_ENTRY_BYTES)
      return `the plan takes ${entry.length} bytes, more than the ${MAX_ENTRY_BYTES} the plan cache keeps`;
    const dir = cacheDirectory();
    if (dir === undefined) return 'there is no home directory for a cache';
    writeAtomically(ownDirectory(dir), entryName(uid, input.words), entry);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * For -v: whether the entry kept for these words is not what Runner wrote (its checksum fails),
 * which the front ignores without a word and the next cached launch replaces.
 */
export function corruptEntry(words: readonly Uint8Array[]): string | undefined {
  const dir = cacheDirectory();
  if (dir === undefined) return undefined;
  const uid = process.getuid?.() ?? -1;
  const file = path.join(dir, entryName(uid, words));
  // Read as the front reads one (the caller's own regular file, not through a link, without blocking).
  const entry = readOwnedFile(file, uid, MAX_ENTRY_BYTES);
  if (entry === undefined) return undefined;
  return checksumHolds(entry)
    ? undefined
    : `the plan cache's entry ${file} is not what Runner wrote (its checksum fails): ignored, and replaced by the next cached launch`;
}
