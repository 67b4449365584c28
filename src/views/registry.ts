// Where named views are recorded: $XDG_RUNTIME_DIR/Runner/ (else /tmp/Runner-<uid>), a directory
// of the caller's own, mode 0700, so no other user can read or plant a record. A record says what
// a view was made from; whether it lives, and which processes are in it, only the kernel says
// (members.ts): a record is never trusted beyond that.
//   <id>.json   the record (written before the view's first command starts)
//   <id>.ns     its namespaces, "user:[…]\nmnt:[…]\n", written by the executor once they exist
//   <id>.mnt/   where the view's write layer is attached, inside the view only
//   .<id>.grow  a growth's staged record, while it is being mounted: one growth at a time
//   name-<hash>.claim  which view a name belongs to: one view per name
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EnvOp } from '../overlay/environment.js';
import { ownDirectory, xdgDir } from '../base/xdg.js';
import { readOwnedFile } from '../base/owned-file.js';
import { escapedName, nameProblem } from './names.js';

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
  /** Set on read: the record's name was not one a --name could give, and is shown escaped. */
  forged?: boolean;
}

export interface LiveIds {
  user: string;
  mnt: string;
}

/** Root's records: under /run, which only root can write, so no one can take the name first. */
const ROOT_REGISTRY = '/run/Runner';
/** Below a home directory, where a user without XDG_RUNTIME_DIR keeps records (XDG_STATE_HOME's default). */
const STATE_REGISTRY = '.local/state/Runner/views';

/**
 * Where the caller's records are: root's in /run/Runner; a user's in $XDG_RUNTIME_DIR/Runner, else
 * in $XDG_STATE_HOME/Runner/views (~/.local/state/Runner/views). Never a name in a directory that
 * others can write, such as /tmp/Runner-<uid>: another user could make it first, and deny the
 * caller its views (docs/named-views.md).
 */
export function registryDir(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  const base =
    process.getuid?.() === 0
      ? ROOT_REGISTRY
      : runtime && path.isAbsolute(runtime)
        ? path.join(runtime, 'Runner')
        : path.join(xdgDir('XDG_STATE_HOME', '.local/state'), 'Runner', 'views');
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

/** Who holds a claim or a growth: a process, by its pid and start time (a pid is reused). */
interface Holder {
  id: string;
  pid: number;
  start: string;
}

/** The start time of a process (field 22 of /proc/PID/stat), or undefined when it has ended (a zombie too). */
function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

const holderAlive = (holder: Holder | undefined): boolean =>
  holder !== undefined && processStart(holder.pid) === holder.start;

function readHolder(file: string, owner: number): Holder | undefined {
  try {
    const held = JSON.parse(readRecordFile(file, owner) ?? '') as { id?: unknown; stagedBy?: Holder } & Partial<Holder>;
    const holder = held.stagedBy ?? (held as Holder);
    return isId(holder.id) && Number.isInteger(holder.pid) && typeof holder.start === 'string' ? holder : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates `file` holding `text`, or returns false when it exists: written beside it first and
 * linked into place, so that a reader never sees it half written (link() fails on an existing name).
 */
function createWhole(file: string, text: string): boolean {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text, { mode: 0o600 });
  try {
    fs.linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** This process, as the holder of `id`'s claim or growth. */
const self = (id: string): Holder => ({ id, pid: process.pid, start: processStart(process.pid) ?? '' });

/**
 * The file that makes a view's name its own: created exclusively, so that of launches starting a
 * view of one name at once exactly one creates it (the others join it). Keyed by the parent's id
 * and the name, so that renaming a parent leaves its children's claims as they are.
 */
export function claimFile(dir: string, parent: string | null, name: string): string {
  return path.join(
    dir,
    `name-${crypto
      .createHash('sha256')
      .update(`${parent ?? ''}/${name}`)
      .digest('hex')
      .slice(0, 32)}.claim`,
  );
}

/**
 * Removes `file`, found held by a launch that is gone, unless it changed hands meanwhile: of two
 * launches that both found it dead, the second must not remove the claim the first made since. The
 * file is moved aside first (a rename moves one file, atomically) and put back when the moved one
 * turns out to be `held`. Returns that holder, or undefined when the dead one was removed.
 */
function removeDead(file: string, held: (holder: Holder | undefined) => boolean): Holder | undefined {
  const aside = `${file}.${process.pid}.taken`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const moved = readHolder(aside, process.getuid?.() ?? 0);
  try {
    if (!held(moved)) return undefined;
    try {
      fs.linkSync(aside, file);
    } catch {
      // A third launch claimed it in the moment it was aside: theirs stands.
    }
    return moved;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/**
 * Claims `name` for the view `id`: undefined when claimed, else the holder's view id (a view being
 * made by another launch; '' when the claim changed hands while this launch tried). A claim whose
 * holder is gone and whose view is not `live` was left by a launch that died, and is taken over.
 */
export function claimName(
  dir: string,
  parent: string | null,
  name: string,
  id: string,
  live: (id: string) => boolean,
): string | undefined {
  const file = claimFile(dir, parent, name);
  const held = (holder: Holder | undefined): holder is Holder =>
    holder !== undefined && (live(holder.id) || holderAlive(holder));
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createWhole(file, JSON.stringify(self(id)))) return undefined;
    const holder = readHolder(file, process.getuid?.() ?? 0);
    if (held(holder)) return holder.id;
    const keeper = removeDead(file, held);
    if (keeper) return keeper.id;
  }
  // Lost every race for it: someone else holds it now (or is about to); the caller looks again.
  return readHolder(file, process.getuid?.() ?? 0)?.id ?? '';
}

/** Gives up the claim on `name` if `id` holds it. */
export function releaseName(
  dir: string,
  parent: string | null,
  name: string,
  id: string,
  owner = process.getuid?.() ?? 0,
): void {
  const file = claimFile(dir, parent, name);
  if (readHolder(file, owner)?.id === id) fs.rmSync(file, { force: true });
}

/**
 * Stages a grown view's record as `.<id>.grow`, created exclusively: the lock of one growth at a
 * time. The executor renames it over the record once the new overlays are mounted, or removes it
 * when they cannot be; one left by a growth killed on the way is removed here. Undefined when a
 * live growth holds it.
 */
export function stageGrowth(dir: string, record: ViewRecord): string | undefined {
  const file = path.join(dir, `.${record.id}.grow`);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createWhole(file, JSON.stringify({ ...record, stagedBy: self(record.id) }))) return file;
    if (holderAlive(readHolder(file, process.getuid?.() ?? 0))) return undefined;
    if (removeDead(file, holderAlive)) return undefined;
  }
  return undefined;
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
  for (const uid of fs.existsSync('/run/user') ? fs.readdirSync('/run/user') : [])
    if (/^\d+$/.test(uid)) consider(path.join('/run/user', uid, 'Runner'), Number(uid));
  // Users without XDG_RUNTIME_DIR keep theirs in their homes, as the user database names them.
  for (const { uid, home } of accounts()) consider(path.join(home, STATE_REGISTRY), uid);
  return found;
}

/** Every account with a home directory, from the user database (/etc/passwd). */
function accounts(): { uid: number; home: string }[] {
  let text: string;
  try {
    text = fs.readFileSync('/etc/passwd', 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    const fields = line.split(':');
    const uid = Number(fields[2]);
    return fields.length >= 7 && Number.isInteger(uid) && uid > 0 && path.isAbsolute(fields[5])
      ? [{ uid, home: fields[5] }]
      : [];
  });
}

/** A record is small; anything larger is not one. */
const MAX_RECORD_BYTES = 1 << 20;

/** A file of the records directory, as text, if it is a regular file of `owner` of sane size. */
const readRecordFile = (file: string, owner: number): string | undefined =>
  readOwnedFile(file, owner, MAX_RECORD_BYTES)?.toString('utf8');

const isId = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{16}$/.test(value);

/** The cgroup a root view keeps its processes in: named after the view, in a cgroup v2 hierarchy. */
function isViewCgroup(cgroup: string, id: string): boolean {
  if (!path.isAbsolute(cgroup) || path.normalize(cgroup) !== cgroup || path.basename(cgroup) !== `runner-view-${id}`)
    return false;
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
  if (typeof record !== 'object' || record === null || record.id !== id || typeof record.name !== 'string')
    return undefined;
  if (record.parent !== null && !isId(record.parent)) return undefined;
  // A name no --name could give is shown escaped (and marked), never as written.
  if (nameProblem(record.name) !== undefined) record = { ...record, name: escapedName(record.name), forged: true };
  if (
    !Array.isArray(record.mounts) ||
    !Array.isArray(record.envOps) ||
    typeof record.versions !== 'object' ||
    record.versions === null
  )
    return undefined;
  if (owner !== 0) return { ...record, uid: owner, rootless: true, cgroup: undefined };
  if (record.cgroup !== undefined && (typeof record.cgroup !== 'string' || !isViewCgroup(record.cgroup, id)))
    return { ...record, cgroup: undefined };
  return record;
}

/** Every record in the directory (unreadable, malformed, or not `owner`'s files are skipped). */
export function readRecords(
  dir: string,
  owner = process.getuid?.() ?? 0,
): { record: ViewRecord; ids: LiveIds | undefined }[] {
  const found: { record: ViewRecord; ids: LiveIds | undefined }[] = [];
  const entries = fs.readdirSync(dir);
  const recorded = new Set(entries.filter((e) => /^[0-9a-f]{16}\.json$/.test(e)).map((e) => e.slice(0, 16)));
  for (const entry of entries) {
    // A staged record, or the temp file of a claim or growth (createWhole), left by a launch
    // killed between writing and renaming or removing it.
    if (/^(\.[0-9a-f]{16}(\.grow)?|name-[0-9a-f]{32}\.claim)\.\d+\.tmp$/.test(entry))
      removeStaleStage(dir, entry, owner);
    // A creation killed before its record was written (or a removal killed before its last
    // step) leaves an empty <id>.mnt that no record names: removed, as removeRecord would.
    if (/^[0-9a-f]{16}\.mnt$/.test(entry) && !recorded.has(entry.slice(0, 16))) removeOrphanMount(dir, entry, owner);
    // A name claimed by a launch that died before its view had a record is free again.
    if (/^name-[0-9a-f]{32}\.claim$/.test(entry)) {
      const holder = readHolder(path.join(dir, entry), owner);
      if (!holder || (!recorded.has(holder.id) && !holderAlive(holder)))
        fs.rmSync(path.join(dir, entry), { force: true });
    }
    if (!/^[0-9a-f]{16}\.json$/.test(entry)) continue;
    const id = entry.slice(0, 16);
    const text = readRecordFile(path.join(dir, entry), owner);
    const record = text === undefined ? undefined : parseRecord(text, id, owner);
    if (record) found.push({ record, ids: readIds(readRecordFile(paths(dir, id).ns, owner)) });
  }
  return found;
}

function removeOrphanMount(dir: string, entry: string, owner: number): void {
  try {
    if (fs.lstatSync(path.join(dir, entry)).uid === owner) fs.rmdirSync(path.join(dir, entry));
  } catch {
    // gone meanwhile, or not empty: not a leftover of ours
  }
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
  for (const file of [p.record, p.ns, path.join(dir, `.${record.id}.grow`)]) fs.rmSync(file, { force: true });
  if (!record.forged) releaseName(dir, record.parent, record.name, record.id, record.uid);
  try {
    fs.rmdirSync(p.mnt);
  } catch {
    // not there, or (a view still mounted on it, in some namespace) not ours to remove now
  }
}
