// `mkdir -p`, one component at a time: Node's own recursive mkdir never returns for some paths
// (under /proc it retries forever), and this way each step is an ordinary mkdir with its errno.
import fs from 'node:fs';
import path from 'node:path';

export function makeDirectories(dir: string, mode = 0o755): void {
  const missing: string[] = [];
  for (let at = dir; !fs.existsSync(at); at = path.dirname(at)) missing.unshift(at);
  for (const each of missing) fs.mkdirSync(each, { mode });
}
