// The installed package's root (the first directory up with a package.json; build/Release is
// there), found from this module's own location: it is dist/src/… when run from the compiled tree
// and dist/bundle/… when run from the bundle, so a fixed relative path would fit only one of them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  root = dir;
  return root;
}
