// Real Debian packages, downloaded (not installed) and unpacked once into the user's cache, for
// tests that need real files of a real module: installed, they would be found without Runner.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { userCache } from './run.js';

const cache = path.join(userCache, 'debs');

/**
 * The unpacked tree of Debian's package `name` (this machine's release and architecture), under
 * `root`. `members` (tar wildcards, `./usr/...`): only those, for a package whose whole is large.
 */
export function debianPackage(name: string, members?: string[]): string {
  const dir = path.join(cache, members ? `${name}-part` : name);
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'root'), { recursive: true });
  execFileSync('apt-get', ['download', '-q', name], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const deb = fs.readdirSync(dir).find((f) => f.endsWith('.deb')) as string;
  if (members) {
    const unpack = 'deb=$1; shift; dpkg-deb --fsys-tarfile "$deb" | tar -x -C root --wildcards "$@"';
    execFileSync('sh', ['-c', unpack, 'sh', deb, ...members], { cwd: dir });
  } else execFileSync('dpkg', ['-x', deb, 'root'], { cwd: dir });
  fs.rmSync(path.join(dir, deb));
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return dir;
}
