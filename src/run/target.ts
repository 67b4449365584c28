// From what the user typed to the program that owns it (docs/architecture.md):
// a command in <Index>/bin or on PATH, a path to a file or version directory under Programs,
// `Name` (its Current) or `Name/Version`. A script outside Programs whose interpreter lives
// inside resolves to the interpreter's program, as the C original does.
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, RunnerError } from '../base/errors.js';
import { realpathOr } from '../base/directories.js';
import type { World } from '../resolver/programs.js';
import { isRunnerScript, readFirstLine, shebangCommand } from '../script/shebang.js';
import {
  absolutePath,
  DEFAULT_SEARCH_PATH,
  displayPath,
  hasSlash,
  joinPath,
  searchPath,
  type FilePath,
} from '../base/file-path.js';

export interface Target {
  /** The file that would be executed, when the target is a command or a file (bytes when they
   * are not UTF-8: a command word given so). */
  file: FilePath | undefined;
  /** The program whose view the run gets, if the target belongs to one. */
  program: { name: string; version: string } | undefined;
  /** How it was found, for -v and --resolve. */
  via: string;
}

function isFile(p: FilePath): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds a command the way the view's PATH will: in `first` (the bin directories of `--with`
 * programs, which the view puts on top), then <Index>/bin, then the caller's PATH (exec's
 * default when it has none).
 */
export function findCommand(
  world: World,
  word: string,
  envPath?: string,
  first?: readonly string[],
): string | undefined;
export function findCommand(
  world: World,
  word: FilePath,
  envPath?: FilePath,
  first?: readonly string[],
): FilePath | undefined;
export function findCommand(
  world: World,
  word: FilePath,
  envPath: FilePath = process.env.PATH ?? DEFAULT_SEARCH_PATH,
  first: readonly string[] = [],
): FilePath | undefined {
  if (hasSlash(word)) return isFile(word) ? absolutePath(word) : undefined;
  const dirs = [...first, path.join(world.paths.index, 'bin'), ...searchPath(envPath)];
  for (const dir of dirs) {
    const candidate = joinPath(dir, word);
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

function ownerOf(world: World, file: FilePath) {
  // Only the program and version directories count, and those are names Runner built (UTF-8).
  return world.owner(realpathOr(file, displayPath(file)));
}

function programTarget(world: World, name: string, version: string | undefined): Target | undefined {
  const program = world.program(name);
  if (!program) return undefined;
  const chosen = version ?? program.current ?? program.versions[0];
  if (chosen === undefined || !program.versions.includes(chosen)) return undefined;
  return {
    file: undefined,
    program: { name, version: chosen },
    via: version ? `${name}/${version}` : `${name} (Current)`,
  };
}

/**
 * A file found on disk: its own program, or its interpreter's when it is a script outside Programs
 * (not for Runner scripts: their interpreter is Runner itself, their header says the rest).
 */
export function fileTarget(world: World, file: FilePath): Target {
  const owner = ownerOf(world, file);
  const via = displayPath(file);
  if (owner) return { file, program: owner, via };
  const firstLine = readFirstLine(file);
  if (isRunnerScript(firstLine)) return { file, program: undefined, via };
  const interpreter = shebangCommand(firstLine);
  const interpreterFile = interpreter && findCommand(world, interpreter);
  const interpreterOwner = interpreterFile ? ownerOf(world, interpreterFile) : undefined;
  if (interpreterOwner) return { file, program: interpreterOwner, via: `${via} (interpreter ${interpreterFile})` };
  return { file, program: undefined, via: `${via} (outside ${world.paths.programs})` };
}

/**
 * The command word of `Runner COMMAND ...`: only commands and paths, never program names.
 * `envPath`: the caller's PATH (bytes where a directory's name is not UTF-8).
 */
export function commandTarget(
  world: World,
  word: FilePath,
  first: readonly string[] = [],
  envPath: FilePath = process.env.PATH ?? DEFAULT_SEARCH_PATH,
): Target {
  const file = findCommand(world, word, envPath, first);
  if (!file) throw new RunnerError(`${displayPath(word)}: command not found`, ExitCode.notFound);
  return fileTarget(world, file);
}

/** Anything `--resolve` accepts (a path or command given as bytes: only as a path or command). */
export function anyTarget(world: World, target: FilePath): Target {
  const asPath = hasSlash(target) ? absolutePath(target) : undefined;
  if (asPath !== undefined && fs.existsSync(asPath)) {
    if (isFile(asPath)) return fileTarget(world, asPath);
    const owner = ownerOf(world, asPath);
    if (owner) return { file: undefined, program: owner, via: displayPath(asPath) };
  }
  if (typeof target !== 'string') {
    const file = hasSlash(target) ? undefined : findCommand(world, target);
    if (file) return fileTarget(world, file);
    throw new RunnerError(`${displayPath(target)}: no such command or path`, ExitCode.notFound);
  }
  const parts = target.split('/');
  if (parts.length === 2 && parts.every((p) => p !== '' && p !== '.' && p !== '..')) {
    const found = programTarget(world, parts[0], parts[1]);
    if (found) return found;
  }
  if (!target.includes('/')) {
    const file = findCommand(world, target);
    if (file) return fileTarget(world, file);
    const found = programTarget(world, target, undefined);
    if (found) return found;
  }
  throw new RunnerError(`${target}: no such command, program or path`, ExitCode.notFound);
}
