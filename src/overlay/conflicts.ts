// Conflict removal (docs/tree-and-plan.md): entries of the real Index that lead into *other* versions of a
// chosen program would let the process reach the wrong version, so the view removes them — unless
// a higher layer provides the same name anyway. Walks only the other versions' files, not the
// whole Index, so the cost follows the size of the dependencies, not of the system.
import fs from 'node:fs';
import path from 'node:path';
import type { World } from '../resolver/programs.js';
import { INDEX_SOURCES, type Layer } from '../resolver/layers.js';
import { isDirectory } from '../base/directories.js';
import { listings } from '../base/listing.js';
import {
  basenameOf,
  below,
  dirnameOf,
  displayPath,
  fromBytes,
  isUnder,
  joinPath,
  pathKey,
  prefixesOf,
  type FilePath,
} from '../base/file-path.js';

export interface Chosen {
  name: string;
  version: string;
}

/** Which program version an Index link leads into, reading `Current` where the link goes through it. */
export function linkOwner(world: World, link: FilePath): Chosen | undefined {
  let target: string;
  try {
    // Read as text: only the program and version directories it leads through count (UTF-8).
    target = path.resolve(path.dirname(displayPath(link)), fs.readlinkSync(link));
  } catch {
    return undefined;
  }
  for (const base of [world.paths.programs, world.programsReal]) {
    if (!target.startsWith(base + path.sep)) continue;
    const [name, version] = target.slice(base.length + 1).split(path.sep);
    if (!name || !version) return undefined;
    if (version !== 'Current') return { name, version };
    const current = world.program(name)?.current;
    return current ? { name, version: current } : undefined;
  }
  return undefined;
}

/**
 * Whether a layer above the real Index provides `relative` in `indexDir` anyway. The names the
 * layers provide in one directory are gathered once: each link to another version would otherwise
 * look through every layer again (40 dependencies, 40 links: 1,600 lookups). Names are compared as
 * bytes (their pathKey), as the kernel will: a directory or file whose name is not UTF-8 is found
 * in the layers by its bytes, and two such names are never taken for each other.
 */
function providedAbove(
  layers: readonly Layer[],
  entries: (dir: FilePath) => ReadonlySet<string>,
): (indexDir: string, relative: FilePath) => boolean {
  const provided = new Map<string, Set<string>>();
  return (indexDir, relative) => {
    const dir = dirnameOf(relative);
    const key = `${indexDir}\0${pathKey(dir)}`;
    let names = provided.get(key);
    if (names === undefined) {
      names = new Set();
      for (const layer of layers)
        for (const source of layer.feeds[indexDir]) for (const name of entries(joinPath(source, dir))) names.add(name);
      provided.set(key, names);
    }
    return names.has(pathKey(basenameOf(relative)));
  };
}

/**
 * Paths (inside the Index) to remove from the merged view. `layers` are the layers above the real
 * Index; `chosen` every program version the run uses.
 */
export function findConflicts(world: World, chosen: readonly Chosen[], layers: readonly Layer[]): FilePath[] {
  const removals = new Map<string, FilePath>();
  const chosenVersion = new Map(chosen.map((c) => [c.name, c.version]));
  const listed = listings();
  const shadowed = providedAbove(layers, listed);
  // A name that is not UTF-8 is walked as bytes: as text it would name nothing, and an entry
  // leading into another version would stay in the view.
  const namesIn = (dir: FilePath): FilePath[] =>
    (fs.readdirSync(dir, { encoding: 'buffer' }) as Buffer[]).map(fromBytes);
  const visit = (indexDir: string, source: string, relative: FilePath) => {
    const indexPath = joinPath(path.join(world.paths.index, indexDir), relative);
    // Most of the other versions' files have no entry in the Index: answered without an exception.
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(indexPath, { throwIfNoEntry: false });
    } catch {
      return;
    }
    if (stat === undefined) return;
    if (stat.isSymbolicLink()) {
      const owner = linkOwner(world, indexPath);
      if (
        owner &&
        chosenVersion.has(owner.name) &&
        chosenVersion.get(owner.name) !== owner.version &&
        !shadowed(indexDir, relative)
      ) {
        removals.set(pathKey(indexPath), indexPath);
      }
      return;
    }
    if (!stat.isDirectory()) return;
    let entries: FilePath[];
    try {
      entries = namesIn(joinPath(source, relative));
    } catch {
      return;
    }
    for (const entry of entries) visit(indexDir, source, joinPath(relative, entry));
  };
  for (const { name, version } of chosen) {
    for (const other of world.program(name)?.versions ?? []) {
      if (other === version) continue;
      const present = listed(world.versionDir(name, other));
      for (const [indexDir, subdirs] of Object.entries(INDEX_SOURCES)) {
        for (const sub of subdirs.filter((s) => present.has(s.split('/')[0]))) {
          const source = path.join(world.versionDir(name, other), sub);
          // The listing vouches for a top-level name (bin), not for one inside it: nearly every
          // version has Resources and few have Resources/Wrappers, where a readdir would throw.
          if (sub.includes('/') && !isDirectory(source)) continue;
          let entries: FilePath[];
          try {
            entries = namesIn(source);
          } catch {
            continue;
          }
          for (const entry of entries) visit(indexDir, source, entry);
        }
      }
    }
  }
  return [...removals.keys()].sort().map((key) => removals.get(key) as FilePath);
}

/**
 * The directories holding `removals` that a rootless launch makes in the write layer before
 * mounting (the executor's `upperdir`). Rootless, an entry below the top of an overlay can only be
 * removed where its directory is in the upper layer: the lower layers' directories belong to ids
 * the user namespace does not map, so the kernel refuses to write them (EACCES) and never copies
 * them up. Only a directory the view shows as one is made, following overlayfs's merge: going down
 * a path, the topmost lower that has the name decides (a directory, or a symlink or file that hides
 * the rest), and a lower stops taking part below a name it lacks or has as a non-directory.
 * Where the view shows no directory, nothing is made, and the executor skips that removal with a
 * warning, as before: a directory in the upper would hide what the view shows there.
 */
export function upperDirectories(
  mounts: readonly { target: string; lowers: readonly string[] }[],
  removals: readonly FilePath[],
): FilePath[] {
  const made = new Map<string, FilePath>();
  /** target and directory → the lowers whose directories the view merges there (null: not a
   * directory in the view). */
  const merged = new Map<string, readonly string[] | null>();
  const mergedAt = (target: string, lowers: readonly string[], dir: FilePath): readonly string[] | null => {
    const key = `${target}\0${pathKey(dir)}`;
    let found = merged.get(key);
    if (found !== undefined) return found;
    const taking: string[] = [];
    let shown: boolean | undefined;
    for (const lower of lowers) {
      let stat: fs.Stats | undefined;
      try {
        stat = fs.lstatSync(joinPath(lower, dir), { throwIfNoEntry: false });
      } catch {
        stat = undefined; // ENOTDIR: a non-directory above it in this lower
      }
      if (stat === undefined) continue;
      if (!stat.isDirectory()) {
        shown ??= false;
        break;
      }
      shown = true;
      taking.push(lower);
    }
    found = shown ? taking : null;
    merged.set(key, found);
    return found;
  };
  for (const removal of removals) {
    const mount = mounts.find((m) => isUnder(removal, m.target));
    const parent = mount && dirnameOf(below(removal, mount.target));
    if (!mount || parent === undefined || parent === '.') continue; // none, or at the top of its overlay
    let lowers: readonly string[] | null = mount.lowers;
    for (const dir of prefixesOf(parent)) {
      lowers = mergedAt(mount.target, lowers, dir);
      if (lowers === null) break;
      const inView = joinPath(mount.target, dir);
      made.set(pathKey(inView), inView);
    }
  }
  return [...made.keys()].sort().map((key) => made.get(key) as FilePath);
}
