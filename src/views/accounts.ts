// Users as the local account files list them: root names other users' views `~name/…` and enters
// them with their owner's groups. Only the local files /etc/passwd and /etc/group are read (no NSS
// modules); a uid without an entry is named by its number and has its uid as its only group.
import fs from 'node:fs';

function records(file: string): string[][] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

const passwdEntry = (uid: number) => records('/etc/passwd').find((f) => f[2] === String(uid));

/** A user's name for a uid (the uid itself when there is none). */
export function userName(uid: number): string {
  return passwdEntry(uid)?.[0] || String(uid);
}

/** A user's primary group and all its groups (primary first), as numbers in text. */
export function groupsOf(uid: number): { gid: string; groups: string[] } {
  const entry = passwdEntry(uid);
  const gid = entry?.[3] && /^\d+$/.test(entry[3]) ? entry[3] : String(uid);
  const member = (f: string[]) =>
    entry !== undefined && /^\d+$/.test(f[2] ?? '') && (f[3] ?? '').split(',').includes(entry[0]);
  const supplementary = records('/etc/group')
    .filter(member)
    .map((f) => f[2]);
  return { gid, groups: [...new Set([gid, ...supplementary])] };
}
