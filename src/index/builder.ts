// `Runner --index`: build or refresh <root>/System/Index from every program's Current version,
// as GoboLinux's SymlinkProgram does: bin+sbin+Resources/Wrappers → bin, lib+lib64 → lib,
// include, libexec, share (subdirectories become real directories, files become links). Links are
// relative so the tree can move. Idempotent; links into Programs that nothing provides any more
// are removed; when two programs provide the same file, the first by name wins and it is said.
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { INDEX_SOURCES } from '../resolver/paths.js';
import type { World } from '../resolver/programs.js';

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
  for (const name of world.allProgramNames()) {
    const current = world.program(name)?.current;
    if (!current) continue;
    const owner = `${name} ${current}`;
    for (const [indexDir, feeds] of Object.entries(INDEX_SOURCES)) {
      for (const feed of feeds) {
        const from = path.join(world.versionDir(name, current), feed);
        if (!fs.existsSync(from)) continue;
        for (const file of fg.sync('**', { cwd: from, dot: true, onlyFiles: false, followSymbolicLinks: false, markDirectories: true })) {
          if (file.endsWith('/')) continue;
          const key = path.join(indexDir, file);
          const already = wanted.get(key);
          if (already) {
            if (already.owner !== owner) conflicts.push(`${key}: kept ${already.owner}, not ${owner}`);
            continue;
          }
          wanted.set(key, { source: path.join(from, file), owner });
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

function leadsIntoPrograms(world: World, link: string, text: string): boolean {
  const target = path.resolve(path.dirname(link), text);
  return target.startsWith(world.paths.programs + path.sep);
}

export function buildIndex(world: World): IndexReport {
  const index = world.paths.index;
  const { wanted, conflicts } = wantedLinks(world);
  const report: IndexReport = { added: [], updated: [], removed: [], unchanged: 0, conflicts };
  // All five exist even when empty: they are the view's mount points.
  for (const dir of Object.keys(INDEX_SOURCES)) fs.mkdirSync(path.join(index, dir), { recursive: true });
  for (const [key, { source }] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    const link = path.join(index, key);
    const text = path.relative(path.dirname(link), source);
    const existing = readLink(link);
    if (existing === text) {
      report.unchanged++;
      continue;
    }
    if (existing === undefined && fs.existsSync(link)) {
      conflicts.push(`${key}: a real file or directory is in the way of ${wanted.get(key)?.owner}; left alone`);
      continue;
    }
    fs.mkdirSync(path.dirname(link), { recursive: true });
    if (existing !== undefined) fs.rmSync(link);
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
