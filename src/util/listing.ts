// A directory's entry names, asked once: "is X in D?" for many X costs one readdir instead of a
// failed stat each. Besides being cheaper, one listing is one thing for the plan cache to re-check
// (a directory's mtime changes with its entries) where a stat per name would be one each.
import fs from 'node:fs';

/** The entry names of `dir`; empty when it cannot be read (absent, not a directory). */
export function listing(dir: string): ReadonlySet<string> {
  try {
    return new Set(fs.readdirSync(dir));
  } catch {
    return new Set();
  }
}

/** `listing`, remembered for as long as the returned function is kept (one planning step). */
export function listings(): (dir: string) => ReadonlySet<string> {
  const seen = new Map<string, ReadonlySet<string>>();
  return (dir) => {
    let names = seen.get(dir);
    if (!names) seen.set(dir, (names = listing(dir)));
    return names;
  };
}
