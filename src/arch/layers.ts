// A 32-bit program on a 64-bit host finds 32-bit libraries nobody listed as dependencies because,
// as in the C original, every installed program built for the wanted architecture is layered too.
// Only versions whose Resources/Architecture names that architecture count (noarch or no file
// would pull in everything).
import type { World } from '../resolver/programs.js';
import type { Choice } from '../resolver/solver.js';

export function foreignArchLayers(world: World, arch: string, taken: ReadonlySet<string>): Choice[] {
  const layers: Choice[] = [];
  for (const name of world.allProgramNames()) {
    if (taken.has(name)) continue;
    const program = world.program(name);
    if (!program) continue;
    const matching = program.versions.filter((v) => world.architecture(name, v) === arch);
    const version = matching.includes(program.current ?? '') ? program.current : matching[0];
    if (version) layers.push({ name, version, path: world.versionDir(name, version), demands: [] });
  }
  return layers;
}
