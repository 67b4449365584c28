// Everything a launch's planning asked of the world, so that the plan cache can ask it again
// before trusting a plan (issue 10: validation that cannot go stale). For the time of planning,
// the file-system calls Runner uses are wrapped in place and process.env is read through a proxy:
// each question is recorded with the identity of its answer, taken *before* the answer is used,
// so that a change that races with planning shows up as a mismatch, never as a stale hit.
// Recording at this one seam, rather than at each call site, is what makes it complete: a new
// fs call in the planner is covered without anyone remembering to record it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { absolutePath, dirnameOf, fromBytes, isAbsolute, pathKey, type FilePath } from '../base/file-path.js';
import { ownership } from '../base/root-safety.js';
import { loadAddon } from '../base/addon.js';

/** One question and the identity of its answer, as addon/cache.h re-checks it. */
export interface Question {
  /** `owner`: only uid:gid:mode, of an lstat (base/root-safety.ts). */
  kind: 'stat' | 'lstat' | 'owner' | 'realpath';
  /** Bytes where the path is not UTF-8 (base/file-path.ts): the front compares bytes. */
  path: FilePath;
  answer: FilePath;
}

export interface Observation {
  records: Question[];
  /** Variables read (undefined: read and unset). */
  env: Map<string, string | undefined>;
  /** The working directory, when planning depended on it. */
  cwd: string | undefined;
  /** Something was asked that cannot be recorded (the whole environment was listed). */
  unrecordable: string | undefined;
  /** The last moment a file the answers describe could have changed without changing its
   * answer (its change time, or the end of its timestamp granule), in ns since the epoch. */
  newestChangeNs: bigint;
}

function errnoOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return `E${(os.constants.errno as Record<string, number>)[code] ?? 0}`;
}

const NS_PER_S = 1_000_000_000n;
/** The coarsest timestamp granule of a common file system: FAT's two seconds. */
const COARSE_GRANULE_NS = 2n * NS_PER_S;

/**
 * The last moment a file with these times could have changed without changing them: its newest
 * time, or, when both are whole seconds (a file system that keeps no finer ones), the end of the
 * coarsest granule such file systems have.
 */
export function lastUnseenChange(mtimeNs: bigint, ctimeNs: bigint): bigint {
  const coarse = mtimeNs % NS_PER_S === 0n && ctimeNs % NS_PER_S === 0n;
  return (ctimeNs > mtimeNs ? ctimeNs : mtimeNs) + (coarse ? COARSE_GRANULE_NS : 0n);
}

/** What a stat that found nothing at all answers (as errnoOf says it). */
const ENOENT_ANSWER = `E${os.constants.errno.ENOENT}`;

/** An answer that is an identity (dev:ino:mode:size:mtime_ns:ctime_ns), not E<errno>. */
const found = (answer: string): boolean => !answer.startsWith('E');
/** Whether an identity is a directory's: its mode (the third field) says so. */
const isDirectoryIdentity = (answer: string): boolean =>
  found(answer) && (Number(answer.split(':')[2]) & fs.constants.S_IFMT) === fs.constants.S_IFDIR;

/** A directory whose identity proves names in it absent, and that identity (of a stat: its record's answer). */
type Proof = { dir: FilePath; answer: string };

type Wrapped =
  | 'statSync'
  | 'lstatSync'
  | 'existsSync'
  | 'readdirSync'
  | 'readFileSync'
  | 'openSync'
  | 'accessSync'
  | 'readlinkSync'
  | 'realpathSync';

/** Which record each wrapped call makes of its path argument. */
const KIND_OF: Readonly<{ [K in Wrapped]: (flags?: unknown) => Question['kind'] }> = {
  statSync: () => 'stat',
  existsSync: () => 'stat',
  readdirSync: () => 'stat', // a directory's mtime changes with its entries
  readFileSync: () => 'stat',
  accessSync: () => 'stat',
  lstatSync: () => 'lstat',
  openSync: (flags) => (typeof flags === 'number' && (flags & fs.constants.O_NOFOLLOW) !== 0 ? 'lstat' : 'stat'),
  // A symlink's target cannot change in place (a new one is a new inode with a new ctime), so
  // the link's own identity stands for what readlink said.
  readlinkSync: () => 'lstat',
  realpathSync: () => 'realpath',
};

/**
 * Runs `plan` with every question recorded. Calls made with a file descriptor (fstat, read) need
 * no record of their own: the path that opened the descriptor has one.
 */
export function observe<T>(plan: () => T): { result: T; observation: Observation } {
  const seen = new Map<string, Question>();
  const observation: Observation = {
    records: [],
    env: new Map(),
    cwd: undefined,
    unrecordable: undefined,
    newestChangeNs: 0n,
  };
  const originals = new Map<Wrapped, (...args: unknown[]) => unknown>();
  const realCwd = process.cwd;
  const realEnv = process.env;
  const fsAny = fs as unknown as Record<Wrapped, (...args: unknown[]) => unknown>;

  const usedCwd = () => {
    observation.cwd ??= realCwd.call(process);
  };
  /** The real fs calls, which record nothing. */
  const original = (name: Wrapped, ...args: unknown[]) => originals.get(name)!.call(fs, ...args);
  const nativeRealpath = (...args: unknown[]) =>
    (originals.get('realpathSync') as unknown as { native: (...args: unknown[]) => unknown }).native.call(fs, ...args);
  // The identity the front will compare, printed by its own code (addon/batch-stat.h): one statx
  // and a string. In a fresh Node, as every planning launch is, a BigIntStats and printing its
  // bigints takes twice as long (docs/benchmarks.md). Loaded before anything is wrapped:
  // loading it reads files, which the plan does not depend on.
  const { identity } = loadAddon();
  const identityAt = (p: FilePath, follow: boolean): string => {
    try {
      return identity(p, follow, false);
    } catch {
      return 'E0'; // a path the kernel cannot take (a NUL in it): nothing to rely on there
    }
  };
  /** `known`: the answer, when the caller has just asked it (a proof's directory, see proofFor). */
  const record = (kind: Question['kind'], given: unknown, known?: string) => {
    if (typeof given === 'number') return; // a descriptor: the path that opened it has a record
    if (typeof given !== 'string' && !Buffer.isBuffer(given)) {
      observation.unrecordable ??= 'it asked about a path given as a URL';
      return;
    }
    // A path that is not UTF-8 (a command word given so, base/file-path.ts) is kept as its bytes.
    if (!isAbsolute(given)) usedCwd();
    const at = typeof given === 'string' ? path.resolve(given) : fromBytes(absolutePath(given) as Buffer);
    const key = `${kind}\0${pathKey(at)}`;
    if (seen.has(key)) return;
    let answer: FilePath;
    let absent = false;
    try {
      // libc's realpath, as the front asks it, and as bytes: a real path through a name that is
      // not UTF-8 must be compared as what it is (Node's own realpathSync decodes a Buffer).
      if (kind === 'realpath') answer = fromBytes(nativeRealpath(at, { encoding: 'buffer' }) as Buffer);
      else if (kind === 'owner') {
        // uid:gid:mode; nothing at all there is E2 of the path itself: its parent's times do not count either.
        answer = identity(at, false, true);
      } else {
        answer = known ?? identity(at, kind === 'stat', false);
        absent = answer === ENOENT_ANSWER;
        if (found(answer)) noteChange(answer);
      }
    } catch (error) {
      answer = errnoOf(error);
      absent = (error as NodeJS.ErrnoException).code === 'ENOENT';
    }
    if (absent && kind !== 'owner' && directoryProvingAbsent(at, kind === 'lstat')) {
      seen.set(key, { kind, path: at, answer });
      return;
    }
    const entry = { kind, path: at, answer };
    seen.set(key, entry);
    observation.records.push(entry);
  };
  /**
   * Nothing at all at a name (not even a dangling symlink, which a later target would bring to
   * life) stays so while the directory above keeps its entries, which its identity says (mtime
   * and ctime change with them); a missing directory just above (a version without Resources)
   * counts as such a name. So the question becomes one about that directory, asked once however
   * many names in it were looked for (Architecture, Environment and Dependencies of a version, a
   * command along PATH). Not further up: a busy directory there would make every plan stale.
   */
  const directoryProvingAbsent = (at: FilePath, lstatSaidAbsent: boolean): boolean => {
    if (!lstatSaidAbsent && found(identityAt(at, false))) return false; // a dangling link
    const dir = dirnameOf(at);
    if (pathKey(dir) === pathKey(at)) return false;
    const key = pathKey(dir);
    if (!proofs.has(key)) {
      const proof = proofFor(dir);
      proofs.set(key, proof);
      // Recorded once, when made, with the identity its making asked: every name it proves absent rests on it.
      if (proof !== undefined) record('stat', proof.dir, proof.answer);
    }
    return proofs.get(key) !== undefined;
  };
  /** Directory (pathKey) → its proof (made once per directory). */
  const proofs = new Map<string, Proof | undefined>();
  /** `dir` itself when it is a directory; when nothing at all is there, the directory above it. */
  const proofFor = (dir: FilePath): Proof | undefined => {
    const own = identityAt(dir, false);
    if (found(own)) {
      // What lstat finds to be a directory is no symlink: a stat would answer the same.
      const followed = isDirectoryIdentity(own) ? own : identityAt(dir, true);
      return isDirectoryIdentity(followed) ? { dir, answer: followed } : undefined;
    }
    const parent = dirnameOf(dir);
    if (pathKey(parent) === pathKey(dir)) return undefined;
    const above = identityAt(parent, true);
    return isDirectoryIdentity(above) ? { dir: parent, answer: above } : undefined;
  };
  /**
   * The last moment the identity's file could have changed and still show these times (its last
   * two fields), kept if later than any so far. Times in whole seconds come from a file system
   * that keeps no finer ones (ext4 with 128-byte inodes, FAT's 2 s, some network file systems):
   * a change anywhere in the same granule leaves them as they are, so the granule's end counts
   * (git's "racy clean" rule). docs/plan-cache.md has the reasoning.
   */
  const noteChange = (answer: string) => {
    const fields = answer.split(':');
    const changed = lastUnseenChange(BigInt(fields[4]), BigInt(fields[5]));
    if (changed > observation.newestChangeNs) observation.newestChangeNs = changed;
  };

  const wrap = (name: Wrapped, original: (...args: unknown[]) => unknown) =>
    function (this: unknown, ...args: unknown[]) {
      record(KIND_OF[name](args[1]), args[0]);
      return original.apply(fs, args);
    };
  for (const name of Object.keys(KIND_OF) as Wrapped[]) {
    const original = fsAny[name];
    originals.set(name, original);
    fsAny[name] = Object.assign(wrap(name, original), original);
  }
  // realpathSync.native, the libc realpath, is a property of realpathSync.
  const native = (originals.get('realpathSync') as unknown as { native: (...args: unknown[]) => unknown }).native;
  (fsAny.realpathSync as unknown as { native: unknown }).native = wrap('realpathSync', native);
  const realOwnership = ownership.lstat;
  ownership.lstat = (dir: string) => {
    record('owner', dir);
    return original('lstatSync', dir, { throwIfNoEntry: false }) as fs.Stats | undefined;
  };
  process.cwd = () => {
    usedCwd();
    return realCwd.call(process);
  };
  process.env = new Proxy(realEnv, {
    get(target, name) {
      if (typeof name === 'string' && !observation.env.has(name)) observation.env.set(name, target[name]);
      return Reflect.get(target, name);
    },
    has(target, name) {
      if (typeof name === 'string' && !observation.env.has(name)) observation.env.set(name, target[name]);
      return Reflect.has(target, name);
    },
    ownKeys(target) {
      observation.unrecordable ??= 'the planner listed the whole environment';
      return Reflect.ownKeys(target);
    },
  });
  try {
    return { result: plan(), observation };
  } finally {
    for (const [name, original] of originals) fsAny[name] = original;
    ownership.lstat = realOwnership;
    process.cwd = realCwd;
    process.env = realEnv;
  }
}
