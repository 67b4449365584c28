// The command line and environment as the kernel gave them. Node decodes both as UTF-8 and puts
// U+FFFD where bytes are not UTF-8; a command word or a PATH directory names a file by its bytes.
import { loadAddon } from '../overlay/execute.js';
import { commandWord, fromBytes, type FilePath } from '../util/file-path.js';

/** Node's decoding is exact unless it had to replace something: then only the kernel's bytes are. */
const decodedExactly = (words: readonly string[]) => !words.some((w) => w.includes('\uFFFD'));

/**
 * The words after Runner's own name, as bytes. `textWillDo`: the caller only shows them (a dry
 * run), so when Node's decoding lost nothing, the addon is not needed to read them.
 */
export function rawArguments(textWillDo = false): Uint8Array[] {
  if (textWillDo && decodedExactly(process.argv)) return process.argv.slice(2).map((a) => Buffer.from(a));
  return loadAddon().rawArgv().slice(2);
}

/** Word `at` of the words after the options (`rest`), as text when that is exact, else as bytes. */
export function exactWord(rest: readonly string[], at: number): FilePath {
  if (decodedExactly([rest[at]])) return rest[at];
  return commandWord(rest[at], rawArguments().slice(-rest.length)[at]);
}

/** A variable of the caller's environment: text when Node decoded it exactly, else its bytes. */
export function exactEnv(name: string): FilePath | undefined {
  const value = process.env[name]; // through process.env, which the plan cache records
  if (value === undefined || decodedExactly([value])) return value;
  const raw = loadAddon().rawEnv(name);
  return raw === undefined ? value : fromBytes(raw);
}
