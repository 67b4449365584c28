// How the managers' prefixes are read: with the same bounded, non-blocking reads and the same
// rules for root as a program's metadata, and nothing whose real path leaves its manager's prefix.
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, RunnerError } from '../../base/errors.js';
import { readMetadataFile, type ReadPolicy } from '../metadata-file.js';
import type { PrefixReader } from './module.js';

/** A file or directory of a manager's prefix (`top`) whose real path leaves it is refused (121). */
export function mustStayIn(file: string, top: string): void {
  const real = (p: string) => {
    try {
      return fs.realpathSync.native(p);
    } catch {
      return undefined;
    }
  };
  const topReal = real(top) ?? top;
  const fileReal = real(file) ?? '';
  if (fileReal !== topReal && !fileReal.startsWith(topReal + path.sep))
    throw new RunnerError(`${file}: leads out of ${top}`, ExitCode.badMetadata);
}

/** The reader of the prefixes under `aliens` (`<Aliens>/<Manager>/...`). */
export function prefixReader(aliens: string, policy: ReadPolicy): PrefixReader {
  // The manager's prefix a path is in: the directory up to which root's rules check, and out of
  // which nothing may lead.
  const top = (file: string) => path.join(aliens, path.relative(aliens, file).split(path.sep)[0]);
  const list = (dir: string): fs.Dirent[] => {
    try {
      return fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
  };
  return {
    file: (file) => {
      const read = readMetadataFile(file, policy, top(file), true);
      if (read.kind === 'bad') throw new RunnerError(`${file}: ${read.message}`, ExitCode.badMetadata);
      if (read.kind === 'absent') return undefined;
      mustStayIn(file, top(file));
      return read.bytes;
    },
    directories: (dir) =>
      list(dir)
        .filter((e) => e.isDirectory())
        .map((e) => e.name),
    entries: (dir) => list(dir).map((e) => e.name),
  };
}
