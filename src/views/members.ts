// Which views are alive and which processes are in them — asked of the kernel each time, never
// taken from a record (a record's pid may have been reused; its namespaces are what count):
// - root views live in a cgroup of their own (cgroup v2), which no process leaves and every child
//   inherits, double-forked daemons included;
// - rootless views are a user namespace: a process is in the view when its user namespace is the
//   view's or lies inside it (a Runner started in the view makes a nested one), and no process can
//   leave its user namespace;
// - where neither applies (root without a writable cgroup v2), the view's mount namespace.
import fs from 'node:fs';
import path from 'node:path';
import { loadAddon } from '../base/addon.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import { readRecords, removeRecord, type LiveIds, type ViewRecord } from './registry.js';

export interface LiveView {
  /** The records directory it is in, and whose it is. */
  dir: string;
  owner: number;
  record: ViewRecord;
  ids: LiveIds;
  fullName: string;
  members: number[];
  /** A member in the view's own mount namespace (and, rootless, user namespace): the one to join. */
  holder: number | undefined;
}

/** A record without namespace ids younger than this is a view still being built. */
const BUILDING_MS = 10_000;

function numericEntries(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
}

function cgroupMembers(dir: string): number[] {
  const pids: number[] = [];
  const visit = (at: string) => {
    let text: string;
    try {
      text = fs.readFileSync(path.join(at, 'cgroup.procs'), 'utf8');
    } catch {
      return;
    }
    for (const pid of text.split('\n').filter(Boolean)) pids.push(Number(pid));
    for (const entry of fs.readdirSync(at, { withFileTypes: true }))
      if (entry.isDirectory()) visit(path.join(at, entry.name));
  };
  visit(dir);
  return pids;
}

function realUid(pid: number, uid: number): boolean {
  try {
    return new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

interface ProcessInfo {
  pid: number;
  mnt: string;
  users: () => string[];
}

/** The caller's processes (all of them for root), with their namespaces as far as it may see. */
function processes(owner: number): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of numericEntries('/proc')) {
    const pid = Number(entry);
    try {
      // A view's processes are its owner's (a setuid program run in it keeps its real uid).
      if (owner !== 0 && fs.statSync(`/proc/${pid}`).uid !== owner && !realUid(pid, owner)) continue;
      const mnt = fs.readlinkSync(`/proc/${pid}/ns/mnt`);
      let users: string[] | undefined;
      found.push({ pid, mnt, users: () => (users ??= loadAddon().userNamespaces(`/proc/${pid}/ns/user`)) });
    } catch {
      continue; // gone, or not ours to see
    }
  }
  return found;
}

function membersOf(
  record: ViewRecord,
  ids: LiveIds,
  all: () => ProcessInfo[],
): { members: number[]; holder: number | undefined } {
  const holds = (p: ProcessInfo) => p.mnt === ids.mnt && (!record.rootless || p.users()[0] === ids.user);
  if (record.cgroup) {
    const members = fs.existsSync(record.cgroup) ? cgroupMembers(record.cgroup) : [];
    const inView = new Set(members);
    return { members, holder: all().find((p) => inView.has(p.pid) && holds(p))?.pid };
  }
  if (record.rootless) {
    const members = all().filter((p) => p.users().includes(ids.user));
    const holder = members.find(holds)?.pid;
    // Namespace ids are inode numbers, which the kernel reuses once a namespace is gone: a record
    // counts only while some process is in both of its namespaces, which a reuse of one id alone
    // cannot fake. (Processes of the view that all left its mount namespace lose the name.)
    return holder === undefined ? { members: [], holder } : { members: members.map((p) => p.pid), holder };
  }
  const members = all()
    .filter(holds)
    .map((p) => p.pid);
  return { members, holder: members[0] };
}

/**
 * The live views in `dir` (records of `owner`); the records of dead ones are removed on the way.
 * `prefix` goes before their names (root's view of another user's: `~alice/`).
 */
export function liveViews(dir: string, owner = process.getuid?.() ?? 0, prefix = ''): LiveView[] {
  let procs: ProcessInfo[] | undefined;
  const all = () => (procs ??= processes(owner));
  const live: { record: ViewRecord; ids: LiveIds; members: number[]; holder: number | undefined }[] = [];
  for (const { record, ids } of readRecords(dir, owner)) {
    if (!ids) {
      if (!(Date.now() - Date.parse(record.started) <= BUILDING_MS)) removeRecord(dir, record);
      continue;
    }
    const { members, holder } = membersOf(record, ids, all);
    if (members.length === 0) removeRecord(dir, record);
    else live.push({ record, ids, members, holder });
  }
  const byId = new Map(live.map((v) => [v.record.id, v]));
  const fullName = (v: { record: ViewRecord }, depth = 0): string => {
    const parent = v.record.parent ? byId.get(v.record.parent) : undefined;
    return parent && depth < 64 ? `${fullName(parent, depth + 1)}/${v.record.name}` : v.record.name;
  };
  return live
    .map((v) => ({ ...v, dir, owner, fullName: prefix + fullName(v) }))
    .sort((a, b) => a.fullName.localeCompare(b.fullName));
}

/** The innermost live view this process is in, if any. */
export function viewOfSelf(views: readonly LiveView[]): LiveView | undefined {
  const inside = views.filter((v) => v.members.includes(process.pid));
  return inside.sort((a, b) => b.fullName.split('/').length - a.fullName.split('/').length)[0];
}

/** The writable cgroup v2 directory this process is in, if there is one (root only). */
export function ownCgroup(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const mount = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[f.indexOf('-') + 1] === 'cgroup2');
    const relative = /^0::(\/.*)$/m.exec(fs.readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    if (!mount || relative === undefined) return undefined;
    const dir = path.join(mount[4], relative);
    fs.accessSync(dir, fs.constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}

/** The executor's operation that joins a live view's namespaces (through a process in them). */
export function joinOperation(view: LiveView): string[] {
  if (view.holder === undefined)
    throw new RunnerError(
      `view '${view.fullName}': none of its processes is left in its mount namespace; it can be listed and killed, not joined`,
      ExitCode.view,
    );
  return ['join', String(view.holder), view.ids.mnt, view.record.rootless ? view.ids.user : ''];
}

/** A root view keeps its processes in its cgroup: one that joins it goes there too. */
export function joinCgroup(view: LiveView): void {
  if (view.record.cgroup) fs.writeFileSync(path.join(view.record.cgroup, 'cgroup.procs'), String(process.pid));
}
