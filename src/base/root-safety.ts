// What root may rely on in a tree: a file or directory that another user can write is theirs to
// change, and a directory they can write lets them swap what is in it (for a symlink, for their own
// copy) between Runner's check and its use. Running as root, Runner relies only on what root alone
// can write, as OpenSSH's StrictModes does, unless told the tree is trusted (`--trust-tree`).
import fs from 'node:fs';
import path from 'node:path';

const STICKY = 0o1000;

/**
 * Whether this process is root that others must not be able to steer: uid 0 that is uid 0 outside
 * any user namespace too. Root inside a user namespace that maps it to an ordinary user (a
 * rootless container, `unshare -r`) can do no more than that user, for whom no tree is refused
 * (and who sees the host's root-owned files as 65534, owned by no one it knows). Worked out when
 * Runner starts, not while a launch is planned: /proc/self is another file in every process, so
 * the plan cache must not record it (cache/observe.ts records every read made while planning).
 */
const HOST_ROOT = ((): boolean => {
  if (process.getuid?.() !== 0) return false;
  let map = '';
  try {
    map = fs.readFileSync('/proc/self/uid_map', 'utf8');
  } catch {
    // No /proc: taken as root (the careful answer).
  }
  const zeroMapsTo = map
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .find(([inside, , count]) => inside <= 0 && 0 < inside + count);
  return zeroMapsTo === undefined || zeroMapsTo[1] - zeroMapsTo[0] === 0;
})();

export function isHostRoot(): boolean {
  return HOST_ROOT;
}

/**
 * How this module reads a directory's owner and mode. While a launch is planned, the plan cache
 * (cache/observe.ts) puts a recording one here: it keeps only owner and mode, because the
 * directories above a tree (/tmp, a home) change their entries all the time, and a record with
 * their times would make every cached plan stale.
 */
export const ownership = {
  lstat: (dir: string): fs.Stats | undefined => fs.lstatSync(dir, { throwIfNoEntry: false }),
};

/** Why a file or directory with this owner and mode is not safe for root to trust, if it is not. */
export function writableByOthers(stat: fs.Stats): string | undefined {
  if (stat.uid !== 0) return `is owned by uid ${stat.uid}, not root`;
  if (stat.mode & 0o002) return 'is writable by everyone';
  if (stat.mode & 0o020 && stat.gid !== 0) return `is writable by group ${stat.gid}`;
  return undefined;
}

/** The file's directory and the directories above it, up to and including `top`. */
function directoriesUpTo(file: string, top: string | undefined): string[] {
  const dirs: string[] = [];
  let dir = path.dirname(file);
  while (top !== undefined && (dir === top || dir.startsWith(top + path.sep))) {
    dirs.push(dir);
    if (dir === top) break;
    dir = path.dirname(dir);
  }
  return dirs;
}

/** Records what root's check of directory `dir` finds, from a stat of it already made (not through a symlink). */
export function noteDirectoryChecked(dir: string, stat: fs.Stats, checked: Map<string, string>): void {
  if (!checked.has(dir)) checked.set(dir, writableByOthers(stat) ?? '');
}

/**
 * Why root must not read a metadata file (`stat`: of the opened file), if it must not: the file and
 * the directories that hold it, up to `top` (its program's directory), must be root's alone.
 * `checked`: directory → why not ('' when it is), shared by the files of one run.
 */
export function fileNotRootsAlone(
  file: string,
  stat: fs.Stats,
  top: string | undefined,
  checked: Map<string, string>,
): string | undefined {
  const own = writableByOthers(stat);
  if (own) return own;
  for (const dir of directoriesUpTo(file, top)) {
    let why = checked.get(dir);
    if (why === undefined) {
      const dirStat = fs.statSync(dir, { throwIfNoEntry: false });
      why = dirStat ? (writableByOthers(dirStat) ?? '') : '';
      checked.set(dir, why);
    }
    if (why) return `is in ${dir}, which ${why}`;
  }
  return undefined;
}

/**
 * The nearest of `dir` and the directories above it that exists and belongs to a user other than
 * root, if any. Root writing there would leave root's files in that user's home (a ~/.cache they
 * can no longer write), and that user could swap a directory on the way for a symlink and point
 * root's write anywhere.
 */
export function anotherUsersDirectory(dir: string): { dir: string; uid: number } | undefined {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const stat = fs.lstatSync(at, { throwIfNoEntry: false });
    if (stat !== undefined && stat.uid !== 0) return { dir: at, uid: stat.uid };
    if (at === path.dirname(at)) return undefined;
  }
}

/**
 * Why root must not rely on the directory `dir` and the path to it, if it must not: `dir` itself
 * (if it exists) must be root's alone, and so must every directory above it, except that one with
 * the sticky bit (/tmp) lets no one else rename root's entries in it. "/tmp/x is writable by
 * everyone". Where a symlink is on the way, the path it leads to is checked too (only then: a
 * realpath costs a readlink per component, on every warm launch that re-checks it).
 */
export function pathNotRootsAlone(dir: string, checked: AncestorsChecked = new Map()): string | undefined {
  // A symlink's own mode is always 0777 and means nothing: no one can change a link in place.
  const own = ownership.lstat(dir);
  const why = own && !own.isSymbolicLink() && writableByOthers(own);
  if (why) return `${dir} ${why}`;
  let linked = own?.isSymbolicLink() ?? false;
  const walked: string[] = [];
  for (let above = path.dirname(dir); ; above = path.dirname(above)) {
    const known = checked.get(above);
    if (known !== undefined) {
      linked ||= known;
      break;
    }
    const stat = ownership.lstat(above);
    const problem = stat && !stat.isSymbolicLink() && writableByOthers(stat);
    if (problem && !(stat.uid === 0 && stat.mode & STICKY)) return `${above} ${problem}`;
    walked.push(above);
    if (stat?.isSymbolicLink()) {
      // This one and every directory below it on the way are reached through a link.
      for (const below of walked) checked.set(below, true);
      linked = true;
    }
    if (above === path.dirname(above)) break;
  }
  for (const each of walked) if (!checked.has(each)) checked.set(each, false);
  if (!linked) return undefined;
  let real: string;
  try {
    real = fs.realpathSync.native(dir);
  } catch {
    return undefined; // nothing there to rely on: whoever uses it finds that out
  }
  return real === dir ? undefined : pathNotRootsAlone(real, checked);
}

/**
 * Directories above a checked path that were found root's alone → whether a symlink is at or
 * above them. The checks of one launch share one: its paths share the directories above the tree.
 */
export type AncestorsChecked = Map<string, boolean>;

/**
 * Why root must not launch from this tree, if it must not. The view stands on Programs and the
 * Index: another user who can write either (or a directory on the way to them) could swap a
 * program directory or an Index entry between planning and mounting, or put a library where the
 * view's LD_LIBRARY_PATH finds it. Metadata files and program directories are checked as they are
 * read (resolver/metadata-file.ts); these are the rest, with the Index directories the view
 * mounts over (`indexDirs`).
 */
export function treeOthersCanChange(
  programs: string,
  index: string,
  indexDirs: readonly string[],
  checked: AncestorsChecked = new Map(),
): string | undefined {
  const onTheWay = pathNotRootsAlone(programs, checked) ?? pathNotRootsAlone(index, checked);
  if (onTheWay) return onTheWay;
  return indexDirs.map((d) => directoryNotRootsAlone(path.join(index, d))).find(Boolean);
}

/** `dir` alone (its path was checked): root's and writable by no one else; a symlink, where it leads. */
function directoryNotRootsAlone(dir: string): string | undefined {
  const stat = ownership.lstat(dir);
  if (stat?.isSymbolicLink()) return pathNotRootsAlone(dir);
  const why = stat && writableByOthers(stat);
  return why ? `${dir} ${why}` : undefined;
}

/**
 * Why root must not layer these program versions, if it must not: each version directory, the
 * path to it, and each of its directories that the view shows (bin, lib, ...) must be root's
 * alone, or another user could put a library or a command into root's view.
 */
export function layersOthersCanChange(
  layers: readonly { dir: string; sources: readonly string[] }[],
  checked: AncestorsChecked = new Map(),
): string | undefined {
  // The versions share the directories above them (Programs, the tree's root, /): walked once.
  for (const { dir, sources } of layers) {
    const onTheWay = pathNotRootsAlone(dir, checked);
    if (onTheWay) return onTheWay;
    const inside = sources.map(directoryNotRootsAlone).find(Boolean);
    if (inside) return inside;
  }
  return undefined;
}
