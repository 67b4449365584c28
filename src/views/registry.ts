// Where named views are recorded: $XDG_RUNTIME_DIR/Runner/ (else /tmp/Runner-<uid>), a directory
// of the caller's own, mode 0700, so no other user can read or plant a record. A record says what
// a view was made from; whether it lives, and which processes are in it, only the kernel says
// (members.ts): a record is never trusted beyond that.
//   <id>.json   the record (written before the view's first command starts)
//   <id>.ns     its namespaces, "user:[…]\nmnt:[…]\n", written by the executor once they exist
//   <id>.mnt/   where the view's write layer is attached, inside the view only
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EnvOp } from '../overlay/environment.js';
import { ownDirectory } from '../cli/xdg.js';
import { readOwnedFile } from '../util/owned-file.js';

/** One Index directory of a view: what its top overlay stacks, for the next growth. */
export interface MountState {
  target: string;
  /** Top first, under the write layer: layers, earlier write layers, the real Index (kept) last. */
  layers: string[];
  /** The top overlay's write layer. */
  upper: string;
}

export interface ViewRecord {
  id: string;
  name: string;
  /** The id of the view it was started in, if any. */
  parent: string | null;
  uid: number;
  rootless: boolean;
  started: string;
  program: string;
  /** Every program version the view holds. */
  versions: Record<string, string>;
  arch: string;
  envOps: EnvOp[];
  mounts: MountState[];
  /** How many times the view grew (names the write layers' directories). */
  generation: number;
  /** The view's cgroup (root, where cgroup v2 can be written): membership the kernel keeps. */
  cgroup: string | undefined;
}

export interface LiveIds {
  user: string;
  mnt: string;
}

export function registryDir(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  const base = runtime && path.isAbsolute(runtime) ? path.join(runtime, 'Runner') : path.join(os.tmpdir(), `Runner-${process.getuid?.() ?? 0}`);
  const dir = ownDirectory(base);
  // Ours (ownDirectory checked): no one else may read or plant records there.
  if ((fs.lstatSync(dir).mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
  return dir;
}

export function newId(): string {
  return crypto.randomBytes(8).toString('hex');
}

export const paths = (dir: string, id: string) => ({
  record: path.join(dir, `${id}.json`),
  ns: path.join(dir, `${id}.ns`),
  mnt: path.join(dir, `${id}.mnt`),
});

/** Writes the record to a temporary file beside it; renaming that over the record commits it. */
export function stageRecord(dir: string, record: ViewRecord): string {
  const temp = path.join(dir, `.${record.id}.${process.pid}.tmp`);
  fs.writeFileSync(temp, JSON.stringify(record), { flag: 'wx', mode: 0o600 });
  return temp;
}

export function writeRecord(dir: string, record: ViewRecord): void {
  fs.renameSync(stageRecord(dir, record), paths(dir, record.id).record);
}

/**
 * Root sees every user's views: the other users' record directories, each with its owner. (Other
 * users cannot read root's or each other's: the directories are 0700.) A user's directory sits in a
 * place that user controls, so it is opened once without following links and used through that
 * descriptor (/proc/self/fd/N) afterwards: a link swapped in later redirects nothing root does.
 */
export function otherRegistries(): { dir: string; owner: number }[] {
  if (process.getuid?.() !== 0) return [];
  const found: { dir: string; owner: number }[] = [];
  const consider = (dir: string, owner: number) => {
    if (owner === 0) return;
    let fd: number | undefined;
    try {
      fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
      const stat = fs.fstatSync(fd);
      if (stat.uid === owner) return found.push({ dir: `/proc/self/fd/${fd}`, owner });
    } catch {
      // none there, or a link
    }
    if (fd !== undefined) fs.closeSync(fd);
  };
  for (const uid of fs.existsSync('/run/user') ? fs.readdirSync('/run/user') : []) if (/^\d+$/.test(uid)) consider(path.join('/run/user', uid, 'Runner'), Number(uid));
  for (const entry of fs.readdirSync(os.tmpdir())) {
    const match = /^Runner-(\d+)$/.exec(entry);
    if (match) consider(path.join(os.tmpdir(), entry), Number(match[1]));
  }
  return found;
}

/** A record is small; anything larger is not one. */
const MAX_RECORD_BYTES = 1 << 20;

/** A file of the records directory, as text, if it is a regular file of `owner` of sane size. */
const readRecordFile = (file: string, owner: number): string | undefined => readOwnedFile(file, owner, MAX_RECORD_BYTES)?.toString('utf8');

const isId = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{16}$/.test(value);

/** The cgroup a root view keeps its processes in: named after the view, in a cgroup v2 hierarchy. */
function isViewCgroup(cgroup: string, id: string): boolean {
  if (!path.isAbsolute(cgroup) || path.normalize(cgroup) !== cgroup || path.basename(cgroup) !== `runner-view-${id}`) return false;
  try {
    return fs.statfsSync(path.dirname(cgroup)).type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}
const CGROUP2_SUPER_MAGIC = 0x63677270;

/**
 * The record as far as its owner may claim it. Only root's own views have a cgroup (a user's record
 * naming one would otherwise have root signal that cgroup's processes); a user's view is rootless.
 */
function parseRecord(text: string, id: string, owner: number): ViewRecord | undefined {
  let record: ViewRecord;
  try {
    record = JSON.parse(text) as ViewRecord;
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null || record.id !== id || typeof record.name !== 'string') return undefined;
  if (record.parent !== null && !isId(record.parent)) return undefined;
  if (!Array.isArray(record.mounts) || !Array.isArray(record.envOps) || typeof record.versions !== 'object' || record.versions === null) return undefined;
  if (owner !== 0) return { ...record, uid: owner, rootless: true, cgroup: undefined };
  if (record.cgroup !== undefined && (typeof record.cgroup !== 'string' || !isViewCgroup(record.cgroup, id))) return { ...record, cgroup: undefined };
  return record;
}

/** Every record in the directory (unreadable, malformed, or not `owner`'s files are skipped). */
export function readRecords(dir: string, owner = process.getuid?.() ?? 0): { record: ViewRecord; ids: LiveIds | undefined }[] {
  const found: { record: ViewRecord; ids: LiveIds | undefined }[] = [];
  for (const entry of fs.readdirSync(dir)) {
    if (/^\.[0-9a-f]{16}\.\d+\.tmp$/.test(entry)) removeStaleStage(dir, entry, owner);
    if (!/^[0-9a-f]{16}\.json$/.test(entry)) continue;
    const id = entry.slice(0, 16);
    const text = readRecordFile(path.join(dir, entry), owner);
    const record = text === undefined ? undefined : parseRecord(text, id, owner);
    if (record) found.push({ record, ids: readIds(readRecordFile(paths(dir, id).ns, owner)) });
  }
  return found;
}

/** A staged record is committed within moments; one left for a minute belongs to a launch that failed. */
const STAGE_MS = 60_000;

function removeStaleStage(dir: string, entry: string, owner: number): void {
  try {
    const stat = fs.lstatSync(path.join(dir, entry));
    if (stat.uid === owner && Date.now() - stat.mtimeMs > STAGE_MS) fs.rmSync(path.join(dir, entry));
  } catch {
    // gone meanwhile
  }
}

function readIds(text: string | undefined): LiveIds | undefined {
  const [user, mnt] = (text ?? '').split('\n');
  return /^user:\[\d+\]$/.test(user) && /^mnt:\[\d+\]$/.test(mnt) ? { user, mnt } : undefined;
}

/**
 * Removes a dead view's cgroup and files (its .mnt directory is empty outside the view). A cgroup
 * the kernel will not remove yet (a process of the view that has exited but is not yet reaped
 * still counts) keeps the record too, so that the next look removes both: nothing is left behind.
 */
export function removeRecord(dir: string, record: ViewRecord): void {
  if (record.cgroup) {
    try {
      fs.rmdirSync(record.cgroup);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
    }
  }
  const p = paths(dir, record.id);
  for (const file of [p.record, p.ns]) fs.rmSync(file, { force: true });
  try {
    fs.rmdirSync(p.mnt);
  } catch {
    // not there, or (a view still mounted on it, in some namespace) not ours to remove now
  }
}
