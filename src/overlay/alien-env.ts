// Alien dependencies (language modules) are not overlay layers: the chosen version's directory,
// which holds the module's files as they sit on the language's module path (AlienVFS), is put in
// front of that language's search path in the view's environment. See docs/aliens.md.
import path from 'node:path';
import type { EnvOp, EnvPart } from './environment.js';

/** A chosen Alien: `Manager:Module`, its version, that version's directory, and where the view shows it. */
export interface ChosenAlien {
  name: string;
  version: string;
  path: string;
  /**
   * The version's directory as the view shows it: the names under AlienVFS hold ':', which no
   * search path can carry (PYTHONPATH, PERL5LIB and GEM_PATH split at ':'), so the executor binds
   * it at a colon-free directory of an overlaid Index directory.
   */
  inView: string;
}

/** `dir/?.lua;dir/?/init.lua;` in front of LUA_PATH; `;;` stands for Lua's default path when it was unset. */
function luaPath(variable: string, patterns: string[]): EnvOp {
  const parts: EnvPart[] = [
    { text: patterns.map((p) => `${p};`).join('') },
    { variable, operator: ':-', word: [{ text: ';' }] },
  ];
  return { kind: 'set', name: variable, origin: 'Runner (LuaRocks)', parts };
}

/** What one Alien adds to the environment, by its manager. */
export function alienOperations(alien: ChosenAlien): EnvOp[] {
  const manager = alien.name.slice(0, alien.name.indexOf(':')).toLowerCase();
  const dir = alien.inView;
  if (manager.startsWith('pip')) return [{ kind: 'prepend', name: 'PYTHONPATH', dirs: [dir] }];
  if (manager === 'cpan') return [{ kind: 'prepend', name: 'PERL5LIB', dirs: [dir] }];
  if (manager === 'rubygems') return [{ kind: 'prepend', name: 'GEM_PATH', dirs: [dir] }];
  if (manager === 'cabal')
    return [{ kind: 'prepend', name: 'GHC_PACKAGE_PATH', dirs: [path.join(dir, 'package.conf.d')] }];
  if (manager === 'luarocks')
    return [
      luaPath('LUA_PATH', [path.join(dir, '?.lua'), path.join(dir, '?/init.lua')]),
      luaPath('LUA_CPATH', [path.join(dir, '?.so')]),
    ];
  return [];
}

/**
 * The operations for the chosen Aliens, `aliens` in layer order (top first): each one prepends,
 * so they are applied bottom first, and the top one ends up first on its search path.
 */
export function alienEnvironment(aliens: readonly ChosenAlien[]): EnvOp[] {
  return [...aliens].reverse().flatMap(alienOperations);
}
