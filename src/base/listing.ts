// A directory's entry names, asked once: "is X in D?" for many X costs one readdir instead of a
// failed stat each. Besides being cheaper, one listing is one thing for the plan cache to re-check
// (a directory's mtime changes with its entries) where a stat per name would be one each.
//
// Names are read as bytes and held as their pathKey (base/file-path.ts): the name itself when it is
// UTF-8, so `has('bin')` works as with plain names, and its bytes otherwise. Read as text, two
// different names that are not UTF-8 (Latin-1 'café' and 'cafè') would both be 'caf\uFFFD'.
import fs from 'node:fs';
import { fromBytes, pathKey, type FilePath } from './file-path.js';

/** The entry names of `dir`, as pathKeys; empty when it cannot be read (absent, not a directory). */
export function listing(dir: FilePath): ReadonlySet<string> {
  try {
    return new Set((fs.readdirSync(dir, { encoding: 'buffer' }) as Buffer[]).map((name) => pathKey(fromBytes(name))));
  } catch {
    return new Set();
  }
}

/** `listing`, remembered for as long as the returned function is kept (one planning step). */
export function listings(): (dir: FilePath) => ReadonlySet<string> {
  const seen = new Map<string, ReadonlySet<string>>();
  return (dir) => {
    const key = pathKey(dir);
    let names = seen.get(key);
    if (!names) seen.set(key, (names = listing(dir)));
    return names;
  };
}
