// LuaRocks: a rocks tree at <Aliens>/LuaRocks records each installed rock as
// `lib/luarocks/rocks-<5.x>/<name>/<version>/rock_manifest` (`rocks/` before LuaRocks 3), with
// its modules in `share/lua/<5.x>` (Lua) and `lib/lua/<5.x>` (C). The version is the directory's
// name, as `luarocks list` prints it (`33.4.0-1`: the rockspec's revision included).
import { sortNewestFirst } from '../version.js';
import { checkedVersion, type PrefixModule, type PrefixReader } from './module.js';

export function luaRocksModule(prefix: string, module: string, reader: PrefixReader): PrefixModule | undefined {
  const rocksRoot = `${prefix}/lib/luarocks`;
  const names = reader.directories(rocksRoot);
  // Newest Lua first; the unversioned tree of LuaRocks 2 last.
  const luas = sortNewestFirst(names.filter((d) => /^rocks-\d+\.\d+$/.test(d)).map((d) => d.slice('rocks-'.length)));
  const trees = [...luas.map((lua) => `rocks-${lua}`), ...(names.includes('rocks') ? ['rocks'] : [])];
  for (const tree of trees) {
    const rock = `${rocksRoot}/${tree}/${module}`;
    const installed = reader
      .directories(rock)
      .filter((v) => reader.file(`${rock}/${v}/rock_manifest`) !== undefined)
      .map((v) => checkedVersion(`${rock}/${v}`, 0, v));
    if (installed.length === 0) continue;
    const version = sortNewestFirst(installed)[0];
    const luas = tree === 'rocks' ? reader.directories(`${prefix}/share/lua`) : [tree.slice('rocks-'.length)];
    const within = luas.flatMap((lua) => [`share/lua/${lua}`, `lib/lua/${lua}`]);
    return { version, dir: prefix, within };
  }
  return undefined;
}
