// `#!` lines: read only the first line of a file, and say which command it hands the file to.
import fs from 'node:fs';
import path from 'node:path';
import { pathKey, type FilePath } from '../util/file-path.js';

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
  try {
    // Without blocking: a FIFO standing where a script was looked for must not hang the run.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    try {
      const buffer = Buffer.alloc(limit);
      const length = fs.readSync(fd, buffer, 0, limit, 0);
      return buffer.subarray(0, length).toString('latin1').split('\n')[0].replace(/\r$/, '');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
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

function realpathOf(p: string): string | undefined {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return undefined;
  }
}

/** The file this very Runner runs from (its CLI script), resolved: what a shebang may lead to. */
const self = process.argv[1] ? realpathOf(process.argv[1]) : undefined;

/**
 * A script whose first line hands it to Runner (its header then holds `#!Runner` directives):
 * a command named Runner, or any path that resolves to this Runner, also behind an interpreter
 * (`#!/usr/bin/env -S node /opt/runner/main.js --root DIR`). Not recognising one would make the
 * kernel start Runner for the script again and again.
 */
export function isRunnerScript(firstLine: string | undefined): boolean {
  const words = shebangWords(firstLine);
  if (words.length === 0) return false;
  if (path.basename(words[0]) === 'Runner') return true;
  return self !== undefined && words.slice(0, 2).some((w) => w.includes('/') && realpathOf(w) === self);
}
