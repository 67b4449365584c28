// What a manager's prefix answers of a module, and how its metadata is read: the World's safe reads.
import { ExitCode, RunnerError } from '../../base/errors.js';

/** A module as a manager's prefix holds it. */
export interface PrefixModule {
  version: string;
  /** The directory the view shows (binds): the module path the manager installed into. */
  dir: string;
  /** Directories under `dir` that go on the search path ('' is `dir` itself). */
  within: readonly string[];
}

/** How a prefix reader reaches the tree: the World's safe reads, so that root's rules apply. */
export interface PrefixReader {
  /** A metadata file's bytes (bounded, non-blocking, a regular file); undefined when absent. Throws
   * when it is broken or leads out of the manager's prefix. */
  file(file: string): Buffer | undefined;
  /** The names of the directories in `dir` ([] when there is none). */
  directories(dir: string): string[];
  /** The names of the entries in `dir` ([] when there is none). */
  entries(dir: string): string[];
  /** What `make` returns, made once per `key` for the run: an index of a listing, say. */
  memo<T>(key: string, make: () => T): T;
}

/** A version as metadata gives it is a word a version directory could be named: nothing else. */
export function versionProblem(version: string): string | undefined {
  if (version.length === 0) return 'the version is empty';
  if (version.length > 64) return 'the version is longer than 64 characters';
  if (!/^[0-9A-Za-z][0-9A-Za-z.+_~-]*$/.test(version)) return `the version ${JSON.stringify(version)} is not a version`;
  return undefined;
}

/** A version read from `file` at `line` (1-based; 0: from the file's name), or bad metadata (121). */
export function checkedVersion(file: string, line: number, version: string): string {
  const problem = versionProblem(version);
  if (problem) throw new RunnerError(`${line > 0 ? `${file}:${line}` : file}: ${problem}`, ExitCode.badMetadata);
  return version;
}

/** The 1-based line of `text` at which `index` is. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
