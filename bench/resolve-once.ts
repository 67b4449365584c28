// bench/resolve-once: resolves App in the tree named by its argument once with a fresh World (what
// a launch does: read and solve), then once more with the tree read (the solve alone), and prints
// the work the solve took. bench/resolve runs it under callgrind to count its instructions.
import { goboPaths } from '../src/resolver/paths.js';
import { newWorld, resolveTarget } from '../src/run/resolve.js';
import { anyTarget } from '../src/run/target.js';

const tree = process.argv[2];
const options = { paths: goboPaths(tree), arch: 'x86_64' };
const world = newWorld(options);
resolveTarget(world, anyTarget(world, 'App'), options);
const run = resolveTarget(world, anyTarget(world, 'App'), options);
console.log(`${run.effort.decisions}/${run.effort.conflicts}/${world.versionsRead}`);
