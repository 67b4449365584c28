// An Alien read from its manager's own prefix (`<Aliens>/<Manager>/`, where GoboLinux's Alien-*
// scripts install), when no AlienVFS directory lists it: the manager's metadata says which version
// is installed, and that is the one version there is (docs/aliens.md).
import path from 'node:path';
import { cpanModule } from './cpan.js';
import { luaRocksModule } from './luarocks.js';
import { pipModule } from './pip.js';
import { rubyGemsModule } from './rubygems.js';
import type { PrefixModule, PrefixReader } from './module.js';

/** Each manager's prefix directory: Python 2's and 3's pips share one, with a directory per Python. */
const PREFIXES: Record<string, string> = {
  pip: 'PIP',
  pip2: 'PIP',
  pip3: 'PIP',
  cpan: 'CPAN',
  luarocks: 'LuaRocks',
  rubygems: 'RubyGems',
};

/** The manager directory under `<Aliens>` that `Manager:Module`'s manager installs into. */
export function prefixOf(aliens: string, manager: string): string | undefined {
  const dir = PREFIXES[manager.toLowerCase()];
  return dir === undefined ? undefined : path.join(aliens, dir);
}

/** `Manager:Module` as its manager's prefix under `aliens` holds it, if it does. */
export function moduleInPrefix(aliens: string, name: string, reader: PrefixReader): PrefixModule | undefined {
  const colon = name.indexOf(':');
  const manager = name.slice(0, colon);
  const module = name.slice(colon + 1);
  const prefix = prefixOf(aliens, manager);
  if (prefix === undefined || module === '') return undefined;
  switch (manager.toLowerCase()) {
    case 'cpan':
      return cpanModule(prefix, module, reader);
    case 'luarocks':
      return luaRocksModule(prefix, module, reader);
    case 'rubygems':
      return rubyGemsModule(prefix, module, reader);
    default:
      return pipModule(prefix, manager, module, reader);
  }
}
