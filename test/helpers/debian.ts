// Real Debian packages, downloaded (not installed) and unpacked once into the user's cache, for
// tests that need real files of a real module: installed, they would be found without Runner.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { userCache } from './run.js';

const cache = path.join(userCache, 'debs');

/** The unpacked tree of Debian's package `name` (this machine's release and architecture). */
export function debianPackage(name: string): string {
  const dir = path.join(cache, name);
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('apt-get', ['download', '-q', name], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const deb = fs.readdirSync(dir).find((f) => f.endsWith('.deb')) as string;
  execFileSync('dpkg', ['-x', deb, 'root'], { cwd: dir });
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return dir;
}
