// `#!` lines: read only the first line of a file, and say which command it hands the file to.
import fs from 'node:fs';
import path from 'node:path';

/** The first line of a file (at most `limit` bytes), or undefined when it cannot be read. */
export function readFirstLine(file: string, limit = 512): string | undefined {
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

/** `#!/bin/sh` → `/bin/sh`; `#!/usr/bin/env -S python3 -u` → `python3`; no `#!` → undefined. */
export function shebangCommand(firstLine: string | undefined): string | undefined {
  if (!firstLine?.startsWith('#!')) return undefined;
  const words = firstLine.slice(2).trim().split(/\s+/);
  if (path.basename(words[0] ?? '') !== 'env') return words[0] || undefined;
  return words.slice(1).find((w) => !w.startsWith('-'));
}

/** A script whose first line hands it to Runner (its header then holds `#!Runner` directives). */
export function isRunnerScript(firstLine: string | undefined): boolean {
  return path.basename(shebangCommand(firstLine) ?? '') === 'Runner';
}
