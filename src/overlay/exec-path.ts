// Which file the view's PATH finds for a command word. The executor execs exactly that file and
// never searches PATH itself: when a file cannot start (its loader is missing, say), searching on
// would run whatever comes next on PATH — a host program of the same name — instead of failing.
import fs from 'node:fs';
import path from 'node:path';
import { readElf } from '../arch/elf.js';
import { shebangCommand, readFirstLine } from '../script/shebang.js';
import type { Layer } from '../resolver/layers.js';
import { listing } from '../base/listing.js';
import { hasSlash, joinPath, pathKey, searchPath, type FilePath } from '../base/file-path.js';

export interface ViewCommand {
  /** The path to exec inside the view. */
  file: FilePath;
  /** The file as it stands outside the view (a layer's file for the view's Index). */
  source: FilePath;
}

/** Whether `file` is an executable regular file; a PATH directory the caller may not search
 * (EACCES), or a component that is not a directory, only means "not here", as for execvp. */
function executable(file: FilePath): boolean {
  try {
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Looks `word` up as the view's PATH will: the Index's bin as the view shows it (the layers, then
 * the real Index unless `pure`, less what conflict removal takes away: `removals` holds their
 * pathKey), other directories as they are. A word with a slash is taken as it is.
 */
export function findInView(
  word: FilePath,
  viewPath: FilePath,
  index: string,
  layers: readonly Layer[],
  pure: boolean,
  removals: ReadonlySet<string>,
): ViewCommand | undefined {
  if (hasSlash(word)) return { file: word, source: word };
  const indexBin = path.join(index, 'bin');
  const listed = (feed: string) => listing(feed).has(pathKey(word));
  for (const dir of searchPath(viewPath)) {
    const candidate = joinPath(dir, word);
    if (dir !== indexBin) {
      if (executable(candidate)) return { file: candidate, source: candidate };
      continue;
    }
    for (const layer of layers) {
      const source = layer.feeds.bin
        .filter(listed)
        .map((feed) => joinPath(feed, word))
        .find(executable);
      if (source) return { file: candidate, source };
    }
    if (!pure && !removals.has(pathKey(candidate)) && executable(candidate))
      return { file: candidate, source: candidate };
  }
  return undefined;
}

/** What is missing when the kernel says ENOENT for a file that exists: its interpreter. */
export function missingInterpreter(source: FilePath): string {
  const elf = readElf(source);
  if (elf.kind === 'elf')
    return elf.interpreter ? `its interpreter ${elf.interpreter} was not found` : 'it was not found';
  const shebang = shebangCommand(readFirstLine(source));
  return shebang ? `its interpreter ${shebang} was not found` : 'it was not found';
}
