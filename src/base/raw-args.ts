// The command line and environment as the kernel gave them. Node decodes both as UTF-8 and puts
// U+FFFD where bytes are not UTF-8; a command word or a PATH directory names a file by its bytes.
import fs from 'node:fs';
import { loadAddon } from './addon.js';
import { commandWord, fromBytes, type FilePath } from './file-path.js';

/** The words runner-front handed over in a memory file (addon/caller-state.h: RUNNER_ARGV_FD). */
let handedOver: Buffer[] | undefined;

/**
 * The caller's words when runner-front had to hand them over in a file (a command line at the
 * kernel's limit leaves no room for Node's own words beside them): read once, at the start, into
 * process.argv as Node would have put them there, and the variable removed, so that neither the
 * program nor a nested Runner sees it.
 */
export function takeHandedOverWords(): void {
  const fd = Number(process.env.RUNNER_ARGV_FD);
  if (process.env.RUNNER_ARGV_FD === undefined) return;
  delete process.env.RUNNER_ARGV_FD;
  if (!Number.isInteger(fd) || fd < 3) return;
  const data = fs.readFileSync(fd);
  fs.closeSync(fd);
  const words: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    const end = data.indexOf(0, at);
    words.push(data.subarray(at, end < 0 ? data.length : end));
    at = end < 0 ? data.length : end + 1;
  }
  handedOver = words;
  process.argv.push(...words.map((w) => w.toString('utf8')));
}

/** Node's decoding is exact unless it had to replace something: then only the kernel's bytes are. */
const decodedExactly = (words: readonly string[]) => !words.some((w) => w.includes('\uFFFD'));

/**
 * The words after Runner's own name, as bytes. `textWillDo`: the caller only shows them (a dry
 * run), so when Node's decoding lost nothing, the addon is not needed to read them.
 */
export function rawArguments(textWillDo = false): Uint8Array[] {
  if (handedOver !== undefined) return handedOver;
  if (textWillDo && decodedExactly(process.argv)) return process.argv.slice(2).map((a) => Buffer.from(a));
  // The kernel's command line is Node, Node's own flags (runner-front passes package.json's
  // config.nodeFlags), the entry script, then the words.
  return loadAddon()
    .rawArgv()
    .slice(2 + process.execArgv.length);
}

/** Word `at` of the words after the options (`rest`), as text when that is exact, else as bytes. */
export function exactWord(rest: readonly string[], at: number): FilePath {
  if (decodedExactly([rest[at]])) return rest[at];
  return commandWord(rest[at], rawArguments().slice(-rest.length)[at]);
}

/**
 * runner-front hands the caller's NODE_* variables to Runner's Node as RUNNER_KEPT_NODE_* (they
 * are for the program, not for Runner: addon/caller-state.h); the executor renames them back.
 */
export const KEPT_PREFIX = 'RUNNER_KEPT_';

/** Where the caller's variable `name` is in this process's environment. */
function carrierOf(name: string): string {
  return name.startsWith('NODE_') && process.env[KEPT_PREFIX + name] !== undefined ? KEPT_PREFIX + name : name;
}

/** A variable of the caller's environment: text when Node decoded it exactly, else its bytes. */
export function exactEnv(name: string): FilePath | undefined {
  const carrier = carrierOf(name);
  const value = process.env[carrier]; // through process.env, which the plan cache records
  if (value === undefined || decodedExactly([value])) return value;
  const raw = loadAddon().rawEnv(carrier);
  return raw === undefined ? value : fromBytes(raw);
}
