// `#!` lines: read only the first line of a file, and say which command it hands the file to.
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../base/package-root.js';
import { DEFAULT_SEARCH_PATH, pathKey, searchPath, type FilePath } from '../base/file-path.js';
import { readHead } from '../base/file-head.js';
import { realpathOr } from '../base/directories.js';

const firstLines = new Map<string, string | undefined>();

/**
 * The first line of a file (at most 512 bytes), or undefined when it cannot be read. Once per file
 * and run: target lookup, the script header, the launch plan and its exec hint all ask.
 */
export function readFirstLine(file: FilePath): string | undefined {
  const key = pathKey(file);
  if (!firstLines.has(key)) firstLines.set(key, readFirstLineOf(file, 512));
  return firstLines.get(key);
}

function readFirstLineOf(file: FilePath, limit: number): string | undefined {
  return readHead(file, limit)?.toString('latin1').split('\n')[0].replace(/\r$/, '');
}

/** The words of a `#!` line after `env`, its options and assignments: the command and its arguments. */
export function shebangWords(firstLine: string | undefined): string[] {
  if (!firstLine?.startsWith('#!')) return [];
  const words = firstLine.slice(2).trim().split(/\s+/).filter(Boolean);
  if (path.basename(words[0] ?? '') !== 'env') return words;
  let at = 1;
  while (at < words.length && (words[at].startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[at]))) at++;
  return words.slice(at);
}

/** `#!/bin/sh` → `/bin/sh`; `#!/usr/bin/env -S python3 -u` → `python3`; no `#!` → undefined. */
export function shebangCommand(firstLine: string | undefined): string | undefined {
  return shebangWords(firstLine)[0];
}

let selves: Set<string> | undefined;

/** The files this very Runner is, resolved: its CLI script, and its native front as built and as
 * installed (bin/Runner). A shebang leading to any of them leads back to Runner. */
function thisRunner(): Set<string> {
  selves ??= new Set(
    [process.argv[1], path.join(packageRoot(), 'bin/Runner'), path.join(packageRoot(), 'build/Release/runner-front')]
      .map((p) => (p ? realpathOr(p, undefined) : undefined))
      .filter((p): p is string => p !== undefined),
  );
  return selves;
}

/** Where a shebang's word leads: a path as it is, a bare name where `env` finds it on PATH. */
function shebangFile(word: string): string | undefined {
  if (word.includes('/')) return realpathOr(word, undefined);
  for (const dir of searchPath(process.env.PATH ?? DEFAULT_SEARCH_PATH) as string[]) {
    const found = realpathOr(path.join(dir, word), undefined);
    if (found !== undefined && fs.statSync(found, { throwIfNoEntry: false })?.isFile()) return found;
  }
  return undefined;
}

/**
 * A script whose first line hands it to Runner (its header then holds `#!Runner` directives):
 * a command named Runner, or a path or a name on PATH that resolves to this Runner (`rnr`, a link
 * to it), also behind an interpreter (`#!/usr/bin/env -S node /opt/runner/main.js --root DIR`).
 * Not recognising one would make the kernel start Runner for the script again and again.
 */
export function isRunnerScript(firstLine: string | undefined): boolean {
  const words = shebangWords(firstLine);
  if (words.length === 0) return false;
  if (path.basename(words[0]) === 'Runner') return true;
  return words.slice(0, 2).some((word) => {
    const file = shebangFile(word);
    return file !== undefined && thisRunner().has(file);
  });
}
