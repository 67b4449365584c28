// What each layer offers to each Index directory (docs/tree-and-plan.md). Reads the tree; no mounts.
import path from 'node:path';
import { INDEX_DIRS, INDEX_SOURCES } from './paths.js';
import { isDirectory } from '../base/directories.js';
import { listing } from '../base/listing.js';

export { INDEX_DIRS, INDEX_SOURCES };

export interface Layer {
  /** `Name Version`, or a file path for the Index itself. */
  label: string;
  name: string | undefined;
  version: string | undefined;
  path: string;
  /** Index directory → existing source directories of this layer, in feeding order. */
  feeds: Record<string, string[]>;
}

export function scanLayer(label: string, dir: string, name?: string, version?: string): Layer {
  const feeds: Record<string, string[]> = {};
  // Only what the version directory holds is asked about (bin, lib: a few of the eight).
  const present = listing(dir);
  for (const [indexDir, subdirs] of Object.entries(INDEX_SOURCES)) {
    feeds[indexDir] = subdirs
      .filter((s) => present.has(s.split('/')[0]))
      .map((s) => path.join(dir, s))
      .filter(isDirectory);
  }
  return { label, name, version, path: dir, feeds };
}
