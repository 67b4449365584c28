// A file's path as the kernel knows it: a string when its bytes are UTF-8, the bytes themselves
// when not. Linux names are bytes; Node's strings are UTF-8 on the way to the kernel, so a name
// like `caf\xe9` (Latin-1) can only be found, read and run through a Buffer. Only what the caller
// gives (the command word, from the kernel's argv; a PATH directory, from its environment; see
// base/raw-args.ts) and a name in the tree that conflict removal walks (to hide it, or to see that
// a layer provides it) can be such a path; everything else Runner builds from the tree is text.
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { ExitCode, RunnerError } from './errors.js';

export type FilePath = string | Buffer;

/** The command word: as Node decoded it when that is the same bytes, else the kernel's bytes. */
export function commandWord(decoded: string, raw: Uint8Array | undefined): FilePath {
  if (raw === undefined || Buffer.from(decoded).equals(raw)) return decoded;
  return Buffer.from(raw);
}

export function hasSlash(p: FilePath): boolean {
  return typeof p === 'string' ? p.includes('/') : p.includes(0x2f);
}

/** A name read as bytes (a directory listing): text when it is UTF-8. */
export function fromBytes(name: Buffer): FilePath {
  return isUtf8(name) ? name.toString('utf8') : name;
}

/** `dir/name`; when either is bytes, bytes (not normalised: the kernel resolves `..`). */
export function joinPath(dir: FilePath, name: FilePath): FilePath {
  if (typeof dir === 'string' && typeof name === 'string') return path.join(dir, name);
  const head = Buffer.from(dir);
  return Buffer.concat([head, head.at(-1) === 0x2f ? Buffer.alloc(0) : Buffer.from('/'), Buffer.from(name)]);
}

/**
 * What exec searches when PATH is not set at all (glibc's confstr(_CS_PATH), which execvp uses):
 * `env -i ls` finds ls there, so `env -i Runner ls` must too, and the program, whose PATH the
 * view sets, must still find what it would have found without one.
 */
export const DEFAULT_SEARCH_PATH = '/bin:/usr/bin';

/** The directories of a PATH-like value, empty ones left out (bytes that are not UTF-8 kept so). */
export function searchPath(value: FilePath): FilePath[] {
  return onBytes(value, (text) => text.split(':').filter(Boolean));
}

/** Whether `p` is inside directory `dir`. */
export function isUnder(p: FilePath, dir: string): boolean {
  if (typeof p === 'string') return p.startsWith(`${dir}/`);
  const prefix = Buffer.from(`${dir}/`);
  return p.length > prefix.length && p.subarray(0, prefix.length).equals(prefix);
}

/** The part of `p` below `dir` (which holds it: isUnder). */
export function below(p: FilePath, dir: string): FilePath {
  return typeof p === 'string' ? p.slice(dir.length + 1) : p.subarray(Buffer.byteLength(dir) + 1);
}

export function isAbsolute(p: FilePath): boolean {
  return typeof p === 'string' ? path.isAbsolute(p) : p[0] === 0x2f;
}

/**
 * The working directory. It can be gone (removed while the caller's shell stood in it): then a
 * relative path means nothing, which is said in one line instead of Node's uv_cwd exception.
 */
export function workingDirectory(): string {
  try {
    return process.cwd();
  } catch (error) {
    throw new RunnerError(
      `the working directory no longer exists (${(error as NodeJS.ErrnoException).code ?? String(error)}); cd to one that does`,
      ExitCode.usage,
    );
  }
}

/** The absolute path (a relative one is taken from the working directory, as the kernel does). */
export function absolutePath(p: string): string;
export function absolutePath(p: FilePath): FilePath;
export function absolutePath(p: FilePath): FilePath {
  if (isAbsolute(p)) return typeof p === 'string' ? path.resolve(p) : p;
  return typeof p === 'string' ? path.resolve(workingDirectory(), p) : joinPath(workingDirectory(), p);
}

/**
 * `split` applied to the path's text, its parts as paths: for bytes, to their Latin-1 reading, in
 * which each byte is one character, so that only '/' and ':' are seen, and the parts go back to
 * the same bytes.
 */
function onBytes(p: FilePath, split: (text: string) => string[]): FilePath[] {
  if (typeof p === 'string') return split(p);
  return split(p.toString('latin1')).map((part) => fromBytes(Buffer.from(part, 'latin1')));
}

/** The directory holding `p`. */
export function dirnameOf(p: FilePath): FilePath {
  return onBytes(p, (text) => [path.dirname(text)])[0];
}

/** The last component of `p`. */
export function basenameOf(p: FilePath): FilePath {
  return onBytes(p, (text) => [path.basename(text)])[0];
}

/** Each leading part of a relative path, shortest first: `a/b/c` → `a`, `a/b`, `a/b/c`. */
export function prefixesOf(p: FilePath): FilePath[] {
  return onBytes(p, (text) => {
    const parts = text.split('/').filter(Boolean);
    return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  });
}

/** For messages: the path as text (bytes that are not UTF-8 show as U+FFFD). */
export function displayPath(p: FilePath): string {
  return typeof p === 'string' ? p : p.toString('utf8');
}

/** A key for maps of per-file results: the string itself, or the bytes under a NUL (which no path holds). */
export function pathKey(p: FilePath): string {
  return typeof p === 'string' ? p : `\0${p.toString('latin1')}`;
}
