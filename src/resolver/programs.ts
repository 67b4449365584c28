// Reading a /Programs tree: which versions of a program are installed, which is Current, and
// what each declares (Architecture, Dependencies). Memoised per World: one run reads each file once.
import fs from 'node:fs';
import path from 'node:path';
import { archFits, normalizeArch } from './arch.js';
import {
  binaryProblem,
  formatProblem,
  nameProblem,
  parseDependencies,
  type ParseOptions,
  type ParseResult,
  type Requirement,
} from './dependencies.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import { readMetadataFile, type ReadPolicy } from './metadata-file.js';
import { isDirectory, realpathOr } from '../base/directories.js';
import { noteDirectoryChecked } from '../base/root-safety.js';
import { isAlien, type GoboPaths } from './paths.js';
import { moduleInPrefix, prefixOf } from './aliens/prefix.js';
import { mustStayIn, prefixReader } from './aliens/reader.js';
import type { PrefixReader } from './aliens/module.js';
import { sortNewestFirst } from './version.js';

/** Directory entries under Programs/<Name>/ that are never versions. */
const NOT_VERSIONS = new Set(['Current', 'Settings', 'Variable']);

export function isVersionEntry(entry: string): boolean {
  return (
    !NOT_VERSIONS.has(entry) && !entry.startsWith('.') && !entry.endsWith('-failed') && !entry.endsWith('-Disabled')
  );
}

export interface ProgramVersions {
  name: string;
  /** Newest first, only directories that stay inside Programs. */
  versions: string[];
  current: string | undefined;
  /** Entries skipped because they lead outside Programs. */
  escaped: string[];
}

/**
 * What a run knows of the tree, read as the solver asks for it. Not ahead of it: reading ahead on
 * a native thread made no resolve faster, on two cores that V8's own collector and compiler
 * threads already share with the solve (docs/benchmarks.md).
 */
export class World {
  /** Programs with symlinks resolved, once per run. */
  readonly programsReal: string;
  private readonly versionCache = new Map<string, ProgramVersions | undefined>();
  private readonly archCache = new Map<string, string | undefined>();
  /** Parsed Dependencies: of program versions by "name/version", of other files (`-d`) by path. */
  private readonly versionDepsCache = new Map<string, ParseResult>();
  private readonly depsCache = new Map<string, ParseResult>();
  /** Paths built from names: "name" → Programs/name, "name/version" → Programs/name/version. */
  private readonly dirs = new Map<string, string>();
  /** Things noticed while reading the tree that the user should hear about once (in the order met). */
  private readonly noticed = new Set<string>();

  constructor(
    readonly paths: GoboPaths,
    readonly parseOptions: ParseOptions = {},
    readonly readPolicy: ReadPolicy = { ownersMustBeRoot: false },
  ) {
    this.programsReal = realpathOr(paths.programs, paths.programs);
    this.aliensReal = realpathOr(paths.aliens, paths.aliens);
  }

  readonly aliensReal: string;

  /**
   * Where a program's versions are: Programs, or for an Alien name that Programs does not hold
   * (AlienVFS not merged into it), the AlienVFS directory.
   */
  private baseOf(name: string): string {
    if (!isAlien(name)) return this.paths.programs;
    return fs.existsSync(path.join(this.paths.programs, name)) ? this.paths.programs : this.paths.aliens;
  }

  warnOnce(message: string): void {
    this.noticed.add(message);
  }

  get warnings(): string[] {
    return [...this.noticed];
  }

  /** A metadata file of a program version, read safely; a broken one is bad metadata (121). */
  private metadata(name: string, version: string, relative: string, usuallyAbsent = false): Buffer | undefined {
    // versionDir is normalised, so appending gives what path.join would, without its cost.
    const file = `${this.versionDir(name, version)}/${relative}`;
    const read = readMetadataFile(file, this.readPolicy, this.programDir(name), usuallyAbsent);
    if (read.kind === 'bad') throw new RunnerError(`${file}: ${read.message}`, ExitCode.badMetadata);
    return read.kind === 'ok' ? read.bytes : undefined;
  }

  /** Every entry of Programs, once listed (see program()). */
  private listed: Set<string> | undefined;

  /** Every program name under Programs (sorted, names only; not read further). */
  allProgramNames(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.paths.programs);
    } catch {
      return [];
    }
    this.listed = new Set(names);
    return names.filter((n) => !n.startsWith('.') && !nameProblem(n)).sort();
  }

  private lowerCaseNames: Map<string, string[]> | undefined;

  /**
   * The installed program a dependency's name means: the exact name when it is installed, else
   * the one program whose name matches ignoring letter case (GoboLinux's tools compare names so;
   * 1,039 real lines need it). Several matches: all of them, for the error to name.
   */
  canonicalName(name: string): string | string[] {
    if (this.program(name)) return name;
    if (this.lowerCaseNames === undefined) {
      this.lowerCaseNames = new Map();
      for (const each of this.allProgramNames()) {
        const key = each.toLowerCase();
        this.lowerCaseNames.set(key, [...(this.lowerCaseNames.get(key) ?? []), each]);
      }
    }
    const matches = (this.lowerCaseNames.get(name.toLowerCase()) ?? []).filter((n) => this.program(n));
    return matches.length === 1 ? matches[0] : matches.length > 1 ? matches : name;
  }

  /** Programs/<name>/<version> (memoised: the solver asks for the same ones again and again). */
  versionDir(name: string, version: string): string {
    const key = `${name}/${version}`;
    let dir = this.dirs.get(key);
    if (dir === undefined) this.dirs.set(key, (dir = path.join(this.programDir(name), version)));
    return dir;
  }

  /** Programs/<name>, the directory up to which a version's metadata directories are checked. */
  programDir(name: string): string {
    let dir = this.dirs.get(name);
    if (dir === undefined) this.dirs.set(name, (dir = path.join(this.baseOf(name), name)));
    return dir;
  }

  /** Installed versions of a program, or undefined when it is not installed at all. */
  program(name: string): ProgramVersions | undefined {
    // Once Programs has been listed (a name was not found as written), a name not in the listing
    // is not installed: no failing readdir for each of a hostile file's many missing names.
    if (this.listed !== undefined && !this.listed.has(name) && !isAlien(name)) return undefined;
    if (this.versionCache.has(name)) return this.versionCache.get(name);
    const result = nameProblem(name) ? undefined : this.readProgram(name);
    this.versionCache.set(name, result);
    return result;
  }

  private readProgram(name: string): ProgramVersions | undefined {
    const dir = this.programDir(name);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return isAlien(name) ? this.readPrefixAlien(name) : undefined;
    }
    // A real directory under a program directory that is itself inside Programs is inside too;
    // only symlinks (and a symlinked program directory) need their real path checked.
    const own = fs.lstatSync(dir);
    const dirInside = !own.isSymbolicLink() || this.insidePrograms(realpathOr(dir, ''));
    // Not a symlink, this lstat is what root's check of the directory would stat again.
    if (this.readPolicy.ownersMustBeRoot && !own.isSymbolicLink())
      noteDirectoryChecked(dir, own, (this.readPolicy.checkedDirectories ??= new Map()));
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

  private prefixes: PrefixReader | undefined;

  /** Search-path directories under each Alien version read from a manager's prefix ("name/version"). */
  private readonly alienWithin = new Map<string, readonly string[]>();

  /**
   * An Alien that no AlienVFS directory lists, read from its manager's prefix (`<Aliens>/<Manager>`,
   * docs/aliens.md): one version, whose directory is the module path it was installed into.
   */
  private readPrefixAlien(name: string): ProgramVersions | undefined {
    const aliens = this.paths.alienPrefixes;
    this.prefixes ??= prefixReader(aliens, this.readPolicy);
    const found = moduleInPrefix(aliens, name, this.prefixes);
    if (found === undefined) return undefined;
    mustStayIn(found.dir, prefixOf(aliens, name.slice(0, name.indexOf(':')))!);
    this.dirs.set(name, found.dir);
    this.dirs.set(`${name}/${found.version}`, found.dir);
    this.alienWithin.set(`${name}/${found.version}`, found.within);
    return { name, versions: [found.version], current: found.version, escaped: [] };
  }

  /** The directories under an Alien version's directory that its language searches ('' the directory itself). */
  searchDirs(name: string, version: string): readonly string[] {
    return this.alienWithin.get(`${name}/${version}`) ?? [''];
  }

  /** `Current` counts only when it leads to a version directory of this same program. */
  private readCurrent(dir: string, versions: string[]): string | undefined {
    // dir is normalised, so appending gives what path.join would.
    const link = `${dir}/Current`;
    let target: string;
    try {
      target = fs.readlinkSync(link);
    } catch {
      return undefined;
    }
    // A target that is a plain name (GoboLinux's own `Current -> 2.0`) is lexically that entry.
    const version = path.basename(target);
    const lexical = target === version || path.resolve(dir, target) === path.join(dir, version);
    if (
      versions.includes(version) &&
      (lexical || realpathOr(link, '') === realpathOr(path.join(dir, version), undefined))
    )
      return version;
    this.warnOnce(`${link} -> ${target} is not a version of ${path.basename(dir)}; Current ignored`);
    return undefined;
  }

  insidePrograms(realPath: string): boolean {
    return realPath.startsWith(this.programsReal + path.sep) || realPath.startsWith(this.aliensReal + path.sep);
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
      const word = this.metadata(name, version, 'Resources/Architecture', true)
        ?.toString('utf8')
        .trim()
        .split(/\s+/)[0];
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
    // Asked for at every step of the solver: found by name and version before any path is built.
    const key = `${name}/${version}`;
    let result = this.versionDepsCache.get(key);
    if (result === undefined) {
      const file = `${this.versionDir(name, version)}/Resources/Dependencies`;
      result = readDependencies(file, this.parseOptions, true, this.readPolicy, this.programDir(name));
      this.versionDepsCache.set(key, result);
    }
    return result;
  }

  /** How many program versions' Dependencies files this World has read (for bench/resolve). */
  get versionsRead(): number {
    return this.versionDepsCache.size;
  }

  /** What this World has read: the programs looked up and the versions whose files were read
   * (for bench/resolve, which times reading them again apart from solving). */
  get readSoFar(): { programs: string[]; versions: [string, string][] } {
    const versions = [...this.versionDepsCache.keys()].map((key) => key.split('/') as [string, string]);
    return { programs: [...this.versionCache.keys()], versions };
  }

  /** Any Dependencies-format file, e.g. from `-d FILE`. */
  dependencyFile(file: string, optional = false, top?: string): ParseResult {
    let result = this.depsCache.get(file);
    if (result === undefined) {
      result = readDependencies(file, this.parseOptions, optional, this.readPolicy, top);
      this.depsCache.set(file, result);
    }
    return result;
  }
}

function readDependencies(
  file: string,
  options: ParseOptions,
  optional: boolean,
  policy: ReadPolicy,
  top: string | undefined,
): ParseResult {
  const wholeFile = (message: string): ParseResult => ({
    requirements: [],
    problems: [{ file, line: 0, column: 0, message }],
    fixes: [],
  });
  const read = readMetadataFile(file, policy, top);
  if (read.kind === 'absent')
    return optional ? { requirements: [], problems: [], fixes: [] } : wholeFile('does not exist');
  if (read.kind === 'bad') return wholeFile(read.message);
  const bytes = read.bytes;
  const binary = binaryProblem(bytes);
  if (binary) return wholeFile(binary);
  return parseDependencies(bytes.toString('utf8'), file, options);
}

/**
 * The requirements of a file the run itself stands on (the program's, `-d`, a script header): a
 * file that cannot be read stops the run (bad metadata, 121); malformed lines only do under
 * `--strict-metadata`, otherwise they are skipped with a warning.
 */
export function requirementsOrFail(result: ParseResult, strictMetadata = false): Requirement[] {
  const fatal =
    result.problems.find((p) => p.line === 0) ?? (strictMetadata ? (result.problems[0] ?? result.fixes[0]) : undefined);
  if (fatal) throw new RunnerError(formatProblem(fatal), ExitCode.badMetadata);
  return result.requirements;
}
