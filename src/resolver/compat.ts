// /System/Settings/Scripts/CompatibilityList: `Name: Alt1 Alt2`, first matching line wins.
// A dependency on Name is tried as Alt1, then Alt2, then Name itself (docs/tree-and-plan.md).
import path from 'node:path';
import { ExitCode, RunnerError } from '../base/errors.js';
import { readMetadataFile, type ReadPolicy } from './metadata-file.js';
import type { GoboPaths } from './paths.js';

export type CompatibilityList = ReadonlyMap<string, readonly string[]>;

export function parseCompatibilityList(content: string): CompatibilityList {
  const map = new Map<string, string[]>();
  for (const raw of content.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!map.has(name))
      map.set(
        name,
        line
          .slice(colon + 1)
          .trim()
          .split(/\s+/)
          .filter(Boolean),
      );
  }
  return map;
}

export function readCompatibilityList(paths: GoboPaths, policy?: ReadPolicy): CompatibilityList {
  const file = path.join(paths.settings, 'Scripts/CompatibilityList');
  const read = readMetadataFile(file, policy);
  if (read.kind === 'bad') throw new RunnerError(`${file}: ${read.message}`, ExitCode.badMetadata);
  return read.kind === 'ok' ? parseCompatibilityList(read.bytes.toString('utf8')) : new Map();
}

/** The names to try for a dependency on `name`, in order. */
export function namesToTry(list: CompatibilityList, name: string): string[] {
  return [...(list.get(name) ?? []), name];
}
