// What each layer offers to each Index directory (DESIGN.md §5). Reads the tree; no mounts.
import fs from 'node:fs';
import path from 'node:path';

/** Index directory → the subdirectories of a layer that feed it, in order. */
export const INDEX_SOURCES: Readonly<Record<string, readonly string[]>> = {
  bin: ['bin', 'sbin'],
  include: ['include'],
  lib: ['lib', 'lib64'],
  libexec: ['libexec'],
  share: ['share'],
};

export const INDEX_DIRS = Object.keys(INDEX_SOURCES);

export interface Layer {
  /** `Name Version`, or a file path for the Index itself. */
  label: string;
  name: string | undefined;
  version: string | undefined;
  path: string;
  /** Index directory → existing source directories of this layer, in feeding order. */
  feeds: Record<string, string[]>;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function scanLayer(label: string, dir: string, name?: string, version?: string): Layer {
  const feeds: Record<string, string[]> = {};
  for (const [indexDir, subdirs] of Object.entries(INDEX_SOURCES)) {
    feeds[indexDir] = subdirs.map((s) => path.join(dir, s)).filter(isDir);
  }
  return { label, name, version, path: dir, feeds };
}
