// Reading a /Programs tree: which versions of a program are installed, which is Current, and
// what each declares (Architecture, Dependencies). Memoised per World: one run reads each file once.
import fs from 'node:fs';
import path from 'node:path';
import { archFits, normalizeArch } from './arch.js';
import { binaryProblem, formatProblem, nameProblem, parseDependencies, type ParseOptions, type ParseResult, type Requirement } from './dependencies.js';
import { ExitCode, RunnerError } from './errors.js';
import type { GoboPaths } from './paths.js';
import { sortNewestFirst } from './version.js';

/** Directory entries under Programs/<Name>/ that are never versions. */
const NOT_VERSIONS = new Set(['Current', 'Settings', 'Variable']);

export function isVersionEntry(entry: string): boolean {
  return !NOT_VERSIONS.has(entry) && !entry.startsWith('.') && !entry.endsWith('-failed') && !entry.endsWith('-Disabled');
}

export interface ProgramVersions {
  name: string;
  /** Newest first, only directories that stay inside Programs. */
  versions: string[];
  current: string | undefined;
  /** Entries skipped because they lead outside Programs. */
  escaped: string[];
}

export class World {
  /** Programs with symlinks resolved, once per run. */
  readonly programsReal: string;
  private readonly versionCache = new Map<string, ProgramVersions | undefined>();
  private readonly archCache = new Map<string, string | undefined>();
  private readonly depsCache = new Map<string, ParseResult>();

  constructor(
    readonly paths: GoboPaths,
    readonly parseOptions: ParseOptions = {},
  ) {
    this.programsReal = realpathOr(paths.programs, paths.programs);
  }

  /** Every program name under Programs (sorted, names only; not read further). */
  allProgramNames(): string[] {
    try {
      return fs.readdirSync(this.paths.programs).filter((n) => !n.startsWith('.') && !nameProblem(n)).sort();
    } catch {
      return [];
    }
  }

  versionDir(name: string, version: string): string {
    return path.join(this.paths.programs, name, version);
  }

  /** Installed versions of a program, or undefined when it is not installed at all. */
  program(name: string): ProgramVersions | undefined {
    if (this.versionCache.has(name)) return this.versionCache.get(name);
    const result = nameProblem(name) ? undefined : this.readProgram(name);
    this.versionCache.set(name, result);
    return result;
  }

  private readProgram(name: string): ProgramVersions | undefined {
    const dir = path.join(this.paths.programs, name);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return undefined;
    }
    // A real directory under a program directory that is itself inside Programs is inside too;
    // only symlinks (and a symlinked program directory) need their real path checked.
    const dirInside = this.insidePrograms(realpathOr(dir, ''));
    const versions: string[] = [];
    const escaped: string[] = [];
    for (const entry of entries) {
      if (!isVersionEntry(entry.name)) continue;
      if (entry.isDirectory() && dirInside) {
        versions.push(entry.name);
      } else if (entry.isSymbolicLink() || entry.isDirectory()) {
        const real = realpathOr(path.join(dir, entry.name), undefined);
        if (real === undefined || !isDirectory(real)) continue;
        if (this.insidePrograms(real)) versions.push(entry.name);
        else escaped.push(entry.name);
      }
    }
    return { name, versions: sortNewestFirst(versions), current: this.readCurrent(dir, versions), escaped };
  }

  private readCurrent(dir: string, versions: string[]): string | undefined {
    try {
      const target = path.basename(fs.readlinkSync(path.join(dir, 'Current')));
      return versions.includes(target) ? target : undefined;
    } catch {
      return undefined;
    }
  }

  insidePrograms(realPath: string): boolean {
    return realPath.startsWith(this.programsReal + path.sep);
  }

  /** Maps a real path inside Programs to its program and version, if it is inside one. */
  owner(realPath: string): { name: string; version: string } | undefined {
    if (!this.insidePrograms(realPath)) return undefined;
    const [name, version] = realPath.slice(this.programsReal.length + 1).split(path.sep);
    if (!name || !version || !isVersionEntry(version)) return undefined;
    return { name, version };
  }

  /** Resources/Architecture, normalised; undefined when there is no such file. */
  architecture(name: string, version: string): string | undefined {
    const key = `${name}/${version}`;
    if (!this.archCache.has(key)) {
      const file = path.join(this.versionDir(name, version), 'Resources/Architecture');
      // existsSync first: most lookups of a missing file would otherwise cost an exception.
      const word = fs.existsSync(file) ? readOr(file, '').trim().split(/\s+/)[0] : '';
      const arch = word ? normalizeArch(word) : undefined;
      this.archCache.set(key, arch);
    }
    return this.archCache.get(key);
  }

  fitsArch(name: string, version: string, wanted: string): boolean {
    return archFits(this.architecture(name, version), wanted);
  }

  /** Resources/Dependencies of a version (empty when the file does not exist). */
  dependencies(name: string, version: string): ParseResult {
    return this.dependencyFile(path.join(this.versionDir(name, version), 'Resources/Dependencies'), true);
  }

  /** Any Dependencies-format file, e.g. from `-d FILE`. */
  dependencyFile(file: string, optional = false): ParseResult {
    let result = this.depsCache.get(file);
    if (result === undefined) {
      result = readDependencies(file, this.parseOptions, optional);
      this.depsCache.set(file, result);
    }
    return result;
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function readDependencies(file: string, options: ParseOptions, optional: boolean): ParseResult {
  if (optional && !fs.existsSync(file)) return { requirements: [], problems: [] };
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (optional && code === 'ENOENT') return { requirements: [], problems: [] };
    return { requirements: [], problems: [{ file, line: 0, column: 0, message: `cannot read: ${code ?? error}` }] };
  }
  const binary = binaryProblem(bytes);
  if (binary) return { requirements: [], problems: [{ file, line: 0, column: 0, message: binary }] };
  return parseDependencies(bytes.toString('utf8'), file, options);
}

/** The requirements of a parsed file; a file with problems stops the run (bad metadata). */
export function requirementsOrFail(result: ParseResult): Requirement[] {
  if (result.problems.length > 0) throw new RunnerError(formatProblem(result.problems[0]), ExitCode.badMetadata);
  return result.requirements;
}

export function realpathOr<T>(p: string, fallback: T): string | T {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return fallback;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
