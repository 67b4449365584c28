// `Runner --index`: build or refresh <root>/System/Index from every program's Current version,
// as GoboLinux's SymlinkProgram does: bin+sbin+Resources/Wrappers → bin, lib+lib64 → lib,
// include, libexec, share (subdirectories become real directories, files become links). Links are
// relative so the tree can move. Idempotent; links into Programs that nothing provides any more
// are removed; when two programs provide the same file, the first by name wins and it is said.
//
// A real Index holds directory symlinks too (SymlinkProgram links a directory whole while only one
// program provides it). The builder never writes through a symlink: every directory on the way to
// a link is checked with lstat from the Index down; a directory link of ours (into Programs) is
// expanded into a real directory (as GoboLinux's LinkOrExpandAll does) and then filled like any
// other; anything else in the way is left alone and named. Nothing under Programs is ever written.
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { ExitCode, RunnerError } from '../base/errors.js';
import { INDEX_SOURCES } from '../resolver/paths.js';
import type { World } from '../resolver/programs.js';
import { makeDirectories } from '../base/directories.js';
import { pathNotRootsAlone, writableByOthers } from '../base/root-safety.js';

export interface Wanted {
  /** Absolute file the link must lead to. */
  source: string;
  owner: string;
}

export interface IndexReport {
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: number;
  /** `path: kept A 1.0, not B 2.0`. */
  conflicts: string[];
}

/** What the Index should hold: relative Index path → the file it must lead to. Pure of writes. */
export function wantedLinks(world: World): { wanted: Map<string, Wanted>; conflicts: string[] } {
  const wanted = new Map<string, Wanted>();
  const conflicts: string[] = [];
  // Index directory path → the first program that needs it as a directory (a file of the same
  // name from another program cannot be linked, and the other way round).
  const directories = new Map<string, string>();
  const clash = (key: string, owner: string): string | undefined => {
    const asDirectory = directories.get(key);
    if (asDirectory) return `${key}: ${asDirectory} has a directory there, ${owner} a file; kept ${asDirectory}'s`;
    for (let dir = path.dirname(key); dir !== '.'; dir = path.dirname(dir)) {
      const file = wanted.get(dir);
      if (file) return `${dir}: ${file.owner} has a file there, ${owner} a directory; kept ${file.owner}'s`;
    }
    return undefined;
  };
  for (const name of world.allProgramNames()) {
    const current = world.program(name)?.current;
    if (!current) continue;
    const owner = `${name} ${current}`;
    for (const [indexDir, feeds] of Object.entries(INDEX_SOURCES)) {
      for (const feed of feeds) {
        const from = path.join(world.versionDir(name, current), feed);
        if (!fs.existsSync(from)) continue;
        for (const file of fg.sync('**', {
          cwd: from,
          dot: true,
          onlyFiles: false,
          followSymbolicLinks: false,
          markDirectories: true,
        })) {
          if (file.endsWith('/')) continue;
          const key = path.join(indexDir, file);
          const already = wanted.get(key);
          if (already) {
            if (already.owner !== owner) conflicts.push(`${key}: kept ${already.owner}, not ${owner}`);
            continue;
          }
          const problem = clash(key, owner);
          if (problem) {
            if (!conflicts.includes(problem)) conflicts.push(problem);
            continue;
          }
          wanted.set(key, { source: path.join(from, file), owner });
          for (let dir = path.dirname(key); dir !== '.' && !directories.has(dir); dir = path.dirname(dir))
            directories.set(dir, owner);
        }
      }
    }
  }
  return { wanted, conflicts };
}

function readLink(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

/** The Index is everyone's: its directories are made 0755 whatever the umask (a root with umask
 * 077 would otherwise make an Index no user can read: every command "not found"). */
const INDEX_MODE = 0o755;

function leadsIntoPrograms(world: World, link: string, text: string): boolean {
  const target = path.resolve(path.dirname(link), text);
  return target.startsWith(world.paths.programs + path.sep);
}

/**
 * Makes every directory on the way from the Index to `key`'s parent a real directory, without
 * following a symlink: a directory link into Programs is expanded, anything else in the way is a
 * conflict (returned as its message).
 */
function prepareParents(world: World, key: string, owner: string, report: IndexReport): string | undefined {
  let at = '';
  for (const part of path.dirname(key).split(path.sep)) {
    at = path.join(at, part);
    const full = path.join(world.paths.index, at);
    const stat = fs.lstatSync(full, { throwIfNoEntry: false });
    if (stat === undefined) {
      makeDirectories(full, INDEX_MODE, true);
    } else if (stat.isSymbolicLink() && leadsIntoPrograms(world, full, readLink(full) ?? '')) {
      fs.unlinkSync(full);
      makeDirectories(full, INDEX_MODE, true);
      report.updated.push(at);
    } else if (!stat.isDirectory()) {
      return `${at}: ${stat.isSymbolicLink() ? 'a symlink out of Programs' : 'a file'} is in the way of ${owner}'s ${key}; left alone`;
    }
  }
  return undefined;
}

/** Errors while writing the Index are one line with the path (a read-only tree, a full disk). */
function writing<T>(what: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { dest?: string };
    if (!e.code) throw error;
    // For symlink(2), Node's `path` is the link's text and `dest` the link itself.
    throw new RunnerError(`cannot write the Index: ${e.dest ?? e.path ?? what}: ${e.code}`, ExitCode.view);
  }
}

/**
 * Running as root: why root must not write this Index, if it must not. A user who can write a
 * directory on the way (the Index's, one inside it, or one above it) can swap what is in it for a
 * symlink between Runner's check and its write, and so make root unlink and link anywhere.
 */
export function unsafeForRoot(index: string): string | undefined {
  const onTheWay = pathNotRootsAlone(index);
  if (onTheWay || !fs.lstatSync(index, { throwIfNoEntry: false })?.isDirectory()) return onTheWay;
  for (const entry of fg.sync('**', {
    cwd: index,
    onlyDirectories: true,
    dot: true,
    followSymbolicLinks: false,
    stats: true,
    absolute: true,
  })) {
    const why = writableByOthers(entry.stats as fs.Stats);
    if (why) return `${entry.path} ${why}`;
  }
  return undefined;
}

export function buildIndex(world: World): IndexReport {
  return writing(world.paths.index, () => build(world));
}

function build(world: World): IndexReport {
  const index = world.paths.index;
  const { wanted, conflicts } = wantedLinks(world);
  const report: IndexReport = { added: [], updated: [], removed: [], unchanged: 0, conflicts };
  // All five exist even when empty: they are the view's mount points.
  makeDirectories(index, INDEX_MODE, true);
  for (const dir of Object.keys(INDEX_SOURCES)) prepareParents(world, path.join(dir, '.keep'), 'the Index', report);
  for (const [key, { source, owner }] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    const link = path.join(index, key);
    const text = path.relative(path.dirname(link), source);
    const inTheWay = prepareParents(world, key, owner, report);
    if (inTheWay) {
      conflicts.push(inTheWay);
      continue;
    }
    const existing = readLink(link);
    if (existing === text) {
      report.unchanged++;
      continue;
    }
    if (existing === undefined && fs.lstatSync(link, { throwIfNoEntry: false })) {
      conflicts.push(`${key}: a real file or directory is in the way of ${owner}; left alone`);
      continue;
    }
    // The parents are real directories now (checked above), so these act on the Index itself.
    if (existing !== undefined) fs.unlinkSync(link);
    fs.symlinkSync(text, link);
    (existing === undefined ? report.added : report.updated).push(key);
  }
  // Stale: our kind of link (into Programs) that no Current file wants any more.
  for (const key of fg.sync('**', { cwd: index, dot: true, onlyFiles: false, followSymbolicLinks: false })) {
    const link = path.join(index, key);
    const text = readLink(link);
    if (text === undefined || wanted.has(key) || !leadsIntoPrograms(world, link, text)) continue;
    fs.rmSync(link);
    report.removed.push(key);
  }
  removeEmptyDirectories(index, Object.keys(INDEX_SOURCES));
  return report;
}

/** Directories left empty by removed links go too; the top-level Index directories stay. */
function removeEmptyDirectories(index: string, keep: readonly string[]): void {
  const dirs = fg.sync('**', { cwd: index, onlyDirectories: true, dot: true, followSymbolicLinks: false });
  for (const dir of dirs.sort((a, b) => b.length - a.length)) {
    if (keep.includes(dir)) continue;
    const full = path.join(index, dir);
    if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
  }
}
