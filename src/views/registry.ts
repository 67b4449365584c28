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

/** One Index directory of a view: what its top overlay stacks, for the next growth. */
export interface MountState {
  target: string;
  /** Top first, under the write layer: layers, earlier write layers, the real Index (kept) last. */
  layers: string[];
  /** The top overlay's write layer, if the directory has an overlay. */
  upper: string | undefined;
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
  return ownDirectory(base);
}

export function newId(): string {
  return crypto.randomBytes(8).toString('hex');
}

export const paths = (dir: string, id: string) => ({
  record: path.join(dir, `${id}.json`),
  ns: path.join(dir, `${id}.ns`),
  mnt: path.join(dir, `${id}.mnt`),
});

export function writeRecord(dir: string, record: ViewRecord): void {
  const temp = path.join(dir, `.${record.id}.${process.pid}.tmp`);
  fs.writeFileSync(temp, JSON.stringify(record), { flag: 'wx', mode: 0o600 });
  fs.renameSync(temp, paths(dir, record.id).record);
}

/**
 * Root sees every user's views: the other users' record directories, each with its owner. (Other
 * users cannot read root's or each other's: the directories are 0700.)
 */
export function otherRegistries(): { dir: string; owner: number }[] {
  if (process.getuid?.() !== 0) return [];
  const found: { dir: string; owner: number }[] = [];
  const consider = (dir: string, owner: number) => {
    try {
      const stat = fs.lstatSync(dir);
      if (stat.isDirectory() && stat.uid === owner && owner !== 0) found.push({ dir, owner });
    } catch {
      // none there
    }
  };
  for (const uid of fs.existsSync('/run/user') ? fs.readdirSync('/run/user') : []) if (/^\d+$/.test(uid)) consider(path.join('/run/user', uid, 'Runner'), Number(uid));
  for (const entry of fs.readdirSync(os.tmpdir())) {
    const match = /^Runner-(\d+)$/.exec(entry);
    if (match) consider(path.join(os.tmpdir(), entry), Number(match[1]));
  }
  return found;
}

/** A user's name for a uid, from /etc/passwd (the uid itself when there is none). */
export function userName(uid: number): string {
  try {
    const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
    return line?.split(':')[0] || String(uid);
  } catch {
    return String(uid);
  }
}

/** Every record in the directory (unreadable or malformed files, or files not `owner`'s, are skipped). */
export function readRecords(dir: string, owner = process.getuid?.() ?? 0): { record: ViewRecord; ids: LiveIds | undefined }[] {
  const found: { record: ViewRecord; ids: LiveIds | undefined }[] = [];
  for (const entry of fs.readdirSync(dir)) {
    if (!/^[0-9a-f]{16}\.json$/.test(entry)) continue;
    const id = entry.slice(0, 16);
    try {
      const stat = fs.lstatSync(path.join(dir, entry));
      if (!stat.isFile() || stat.uid !== owner) continue;
      const record = JSON.parse(fs.readFileSync(path.join(dir, entry), 'utf8')) as ViewRecord;
      if (record.id !== id) continue;
      found.push({ record, ids: readIds(paths(dir, id).ns) });
    } catch {
      continue;
    }
  }
  return found;
}

function readIds(file: string): LiveIds | undefined {
  try {
    const [user, mnt] = fs.readFileSync(file, 'utf8').split('\n');
    return /^user:\[\d+\]$/.test(user) && /^mnt:\[\d+\]$/.test(mnt) ? { user, mnt } : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a dead view's files (its .mnt directory is empty outside the view) and its cgroup. */
export function removeRecord(dir: string, record: ViewRecord): void {
  const p = paths(dir, record.id);
  for (const file of [p.record, p.ns]) fs.rmSync(file, { force: true });
  try {
    fs.rmdirSync(p.mnt);
  } catch {
    // not there, or (a view still mounted on it, in some namespace) not ours to remove now
  }
  if (record.cgroup) {
    try {
      fs.rmdirSync(record.cgroup);
    } catch {
      // still populated or gone
    }
  }
}
