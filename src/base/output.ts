// Runner's own messages. Written with writeSync so that Node never turns the shared stdio file
// descriptions non-blocking before we exec the program that inherits them.
import fs from 'node:fs';
import { ExitCode, RunnerError } from './errors.js';
import { cutMiddle } from './bounded-text.js';
import { sleepSync } from './sleep.js';

/** No line Runner writes to stderr is longer (what the tree puts in one is cut in the middle). */
const MAX_MESSAGE_LINE = 2000;

let quiet = false;
let recorded: string[] | undefined;

/**
 * Control characters (C0, DEL, C1) as \\xNN: names and lines from an untrusted tree must not
 * drive the terminal. Messages are one line, so a newline is escaped too. Characters that are
 * invisible or reorder what follows (bidirectional overrides and isolates, zero-width ones, the
 * byte order mark, line and paragraph separators) as \\uNNNN: a name must read as what it is
 * ("Trojan Source"). addon/mounts.cc: Escape does the same for the executor's messages.
 */
export function escapeControls(text: string): string {
  return text
    .replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(
      /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
}

export function setQuiet(value: boolean): void {
  quiet = value;
}

/** What a shell shows for a command killed by SIGPIPE (13), which Node itself ignores. */
const BROKEN_PIPE_STATUS = 128 + 13;

/**
 * Writes all of `text` to `fd`. A write to a pipe may take only part of it, and one the caller
 * made non-blocking answers EAGAIN when it is full: what is left is written once the reader has
 * taken some (`Runner --resolve --json | jq` would otherwise get the first 64 KiB).
 */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let done = 0; done < bytes.length;) {
    try {
      done += fs.writeSync(fd, bytes, done);
    } catch (caught) {
      if ((caught as NodeJS.ErrnoException).code !== 'EAGAIN') throw caught;
      sleepSync(1); // the pipe is full: a moment for its reader
    }
  }
}

export function out(text: string): void {
  try {
    writeAll(1, text.endsWith('\n') ? text : `${text}\n`);
  } catch (caught) {
    const code = (caught as NodeJS.ErrnoException).code;
    // The reader went away (`Runner --resolve App | head -1`): stop quietly, as a command killed
    // by SIGPIPE would.
    if (code === 'EPIPE') process.exit(BROKEN_PIPE_STATUS);
    throw new RunnerError(`cannot write the output: ${code ?? String(caught)}`, ExitCode.usage);
  }
}

/** Text for people that holds names from the tree (paths, plans): each line escaped as messages are. */
export function outText(text: string): void {
  out(text.split('\n').map(escapeControls).join('\n'));
}

/**
 * A message on stderr. When stderr itself cannot be written (a full disk, a closed pipe), there is
 * no one left to tell: the message is dropped and Runner goes on to do, and exit, as it would.
 */
function say(line: string): void {
  try {
    writeAll(2, line);
  } catch {
    // nowhere to say it
  }
}

/** A message line from the tree, escaped and bounded (a name may be megabytes long). */
const messageLine = (line: string) => cutMiddle(escapeControls(line), MAX_MESSAGE_LINE);

/** A message of several lines (a derivation) keeps its lines; each is escaped and bounded on its own. */
const sayMessage = (message: string) => say(`Runner: ${message.split('\n').map(messageLine).join('\n')}\n`);

export function error(message: string): void {
  sayMessage(message);
}

export function warn(message: string): void {
  if (quiet) return;
  say(`Runner: warning: ${messageLine(message)}\n`);
  recorded?.push(message);
}

/** Also collect the warnings printed from now on into `into` (the plan cache replays them); undefined stops. */
export function recordWarnings(into: string[] | undefined): void {
  recorded = into;
}

export function info(message: string): void {
  sayMessage(message);
}
