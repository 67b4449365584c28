// How the managers' prefixes are read: with the same bounded, non-blocking reads and the same
// rules for root as a program's metadata, and nothing whose real path leaves its manager's prefix.
import fs from 'node:fs';
import path from 'node:path';
import { realpathOr } from '../../base/directories.js';
import { ExitCode, RunnerError } from '../../base/errors.js';
import { readMetadataFile, type ReadPolicy } from '../metadata-file.js';
import type { PrefixReader } from './module.js';

/** A file or directory of a manager's prefix (`top`) whose real path leaves it is refused (121). */
export function mustStayIn(file: string, top: string, topReal = realpathOr(top, top)): void {
  const fileReal = realpathOr(file, '');
  if (fileReal !== topReal && !fileReal.startsWith(topReal + path.sep))
    throw new RunnerError(`${file}: leads out of ${top}`, ExitCode.badMetadata);
}

/** The reader of the prefixes under `aliens` (`<Aliens>/<Manager>/...`), for one run: it keeps what it listed. */
export function prefixReader(aliens: string, policy: ReadPolicy): PrefixReader {
  // The manager's prefix a path is in: the directory up to which root's rules check, and out of
  // which nothing may lead.
  const top = (file: string) => path.join(aliens, path.relative(aliens, file).split(path.sep)[0]);
  // Each directory is listed once: a Dependencies file naming thousands of modules of one prefix
  // would otherwise list its site-packages once for each (57 s for 5,000, docs/benchmarks.md).
  const made = new Map<string, unknown>();
  const memo = <T>(key: string, make: () => T): T => {
    if (!made.has(key)) made.set(key, make());
    return made.get(key) as T;
  };
  const list = (dir: string): fs.Dirent[] =>
    memo(`list:${dir}`, () => {
      try {
        return fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return [];
      }
    });
  const realTop = (top: string) => memo(`real:${top}`, () => realpathOr(top, top));
  return {
    file: (file) => {
      const read = readMetadataFile(file, policy, top(file), true);
      if (read.kind === 'bad') throw new RunnerError(`${file}: ${read.message}`, ExitCode.badMetadata);
      if (read.kind === 'absent') return undefined;
      mustStayIn(file, top(file), realTop(top(file)));
      return read.bytes;
    },
    directories: (dir) =>
      memo(`directories:${dir}`, () =>
        list(dir)
          .filter((e) => e.isDirectory())
          .map((e) => e.name),
      ),
    entries: (dir) => memo(`entries:${dir}`, () => list(dir).map((e) => e.name)),
    memo,
  };
}
