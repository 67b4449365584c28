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
  /** The directories under `inView` that the language searches ('' is `inView` itself). */
  within: readonly string[];
}

/**
 * `entries` in front of a search path whose empty entry means the language's defaults: Lua's `;;`,
 * GHC's trailing `:` (its global package database). Unset, the variable keeps the defaults that way.
 */
function inFront(variable: string, entries: string[], separator: string, defaults: string, origin: string): EnvOp {
  const parts: EnvPart[] = [
    { text: entries.map((e) => `${e}${separator}`).join('') },
    { variable, operator: ':-', word: defaults ? [{ text: defaults }] : [] },
  ];
  return { kind: 'set', name: variable, origin: `Runner (${origin})`, parts };
}

const luaPath = (variable: string, entries: string[]) => inFront(variable, entries, ';', ';', 'LuaRocks');
const ghcPackagePath = (entries: string[]) => inFront('GHC_PACKAGE_PATH', entries, ':', '', 'Cabal');

/** What one Alien adds to the environment, by its manager. */
export function alienOperations(alien: ChosenAlien): EnvOp[] {
  const manager = alien.name.slice(0, alien.name.indexOf(':')).toLowerCase();
  const dirs = alien.within.map((w) => path.join(alien.inView, w));
  if (manager.startsWith('pip')) return [{ kind: 'prepend', name: 'PYTHONPATH', dirs }];
  if (manager === 'cpan') return [{ kind: 'prepend', name: 'PERL5LIB', dirs }];
  if (manager === 'rubygems') return [{ kind: 'prepend', name: 'GEM_PATH', dirs }];
  if (manager === 'cabal') return [ghcPackagePath(dirs.map((d) => path.join(d, 'package.conf.d')))];
  if (manager === 'luarocks') {
    // A rocks tree keeps Lua modules in share/lua/<5.x> and C modules in lib/lua/<5.x>; AlienVFS
    // shows both in the version's one directory.
    const luaDirs = alien.within.filter((w) => !w.startsWith('lib/')).map((w) => path.join(alien.inView, w));
    const cDirs = alien.within.filter((w) => !w.startsWith('share/')).map((w) => path.join(alien.inView, w));
    const luaFiles = luaDirs.flatMap((d) => [path.join(d, '?.lua'), path.join(d, '?/init.lua')]);
    const cFiles = cDirs.map((d) => path.join(d, '?.so'));
    return [luaPath('LUA_PATH', luaFiles), luaPath('LUA_CPATH', cFiles)];
  }
  return [];
}

/**
 * The operations for the chosen Aliens, `aliens` in layer order (top first): each one prepends,
 * so they are applied bottom first, and the top one ends up first on its search path.
 */
export function alienEnvironment(aliens: readonly ChosenAlien[]): EnvOp[] {
  return [...aliens].reverse().flatMap(alienOperations);
}
