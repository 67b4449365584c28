// Generated trees shaped like the public GoboLinux recipe collection laid out as a /Programs tree
// (issue 8's test bed: 13,960 recipes of 3,782 programs, every real Resources/Dependencies file,
// Current = the highest version), for bench/resolve's largest realistic closure and its test.
// What is taken from the real collection:
//   - about 3.7 versions per program (13,960 / 3,782): here 1–6, 3.5 on average;
//   - about 3.8 lines per Dependencies file (KDE 4.8.1's closure: ~1,500 lines, 397 programs):
//     here 0–7, 3.5 on average; a few dozen programs at the bottom (Glibc, ZLib...) need nothing;
//   - lines name programs below them, the bottom ones most often (nearly everything needs Glibc);
//   - most lines are a bare name or a lower bound (`Glibc 2.30`, `ZLib >= 1.2.3`); use flags are
//     common (`LibASS [libass]`: FFmpeg 4.2.2 has 10 in 15 lines; here a fifth of all lines);
//     upper bounds are rare (`Qt >= 3.3.2 < 4.0`, `SDL >= 2.0.0, < 3.0.0 [sdl]`), and some rule
//     Current out.
// Every bound holds a planted version of the program it names (the highest for 95% of programs,
// the one below it for the others), so a solution always exists; Current is ruled out only by an
// upper bound on one of those 5%, which is what sends the solver back.
import { rng } from './planted.js';
import { makeTree, type TreeSpec } from './tree.js';

export interface CollectionOptions {
  programs: number;
  /** Programs to resolve, each at version 1.0: name → how many of the topmost programs it names
   * (bare names), which sets how much of the tree its closure takes in. */
  apps: Record<string, number>;
}

export const collectionName = (i: number): string => `Prog${String(i).padStart(4, '0')}`;

/** Programs at the bottom that need nothing. */
const BOTTOM = 40;

/** Writes the tree under `root`. */
export function writeCollectionTree(root: string, seed: number, { programs, apps }: CollectionOptions): void {
  const next = rng(seed);
  const versions = Array.from({ length: programs }, () => {
    let major = next(3);
    let minor = next(10);
    return Array.from({ length: 1 + next(3) + next(4) }, () => {
      // Ascending: a new minor most of the time, now and then a new major.
      if (next(4) === 0) [major, minor] = [major + 1, 0];
      else minor += 1 + next(3);
      return next(2) === 0 ? `${major}.${minor}` : `${major}.${minor}.${next(20)}`;
    });
  });
  const planted = versions.map((list) => (list.length > 1 && next(100) < 5 ? list.length - 2 : list.length - 1));
  const line = (q: number): string => {
    const list = versions[q];
    const name = collectionName(q);
    const lower = list[next(planted[q] + 1)];
    const kind = next(100);
    if (kind < 35) return name;
    if (kind < 65) return `${name} >= ${lower}`;
    if (kind < 75) return `${name} ${lower}`;
    if (kind < 95)
      return next(2) === 0 ? `${name} [${name.toLowerCase()}]` : `${name} >= ${lower} [${name.toLowerCase()}]`;
    const above = list[planted[q] + 1];
    return above === undefined ? `${name} >= ${lower}` : `${name} >= ${lower}, < ${above}`;
  };
  const spec: Required<Pick<TreeSpec, 'programs' | 'current'>> = { programs: {}, current: {} };
  const deps = (lines: string[]) => ({ deps: lines.map((l) => `${l}\n`).join('') });
  for (let p = 0; p < programs; p++) {
    const own: TreeSpec['programs'][string] = (spec.programs[collectionName(p)] = {});
    for (const version of versions[p]) {
      const named = new Set<number>();
      const count = p < BOTTOM ? 0 : next(4) + next(5);
      for (let d = 0; d < count; d++) {
        // Below p, the bottom ones most often.
        const r = next(1000) / 1000;
        named.add(Math.floor(p * r * r));
      }
      own[version] = deps([...named].map(line));
    }
    spec.current[collectionName(p)] = versions[p].at(-1) as string;
  }
  for (const [app, lines] of Object.entries(apps))
    spec.programs[app] = {
      '1.0': deps(Array.from({ length: Math.min(lines, programs) }, (_, i) => collectionName(programs - 1 - i))),
    };
  makeTree(spec, root);
}
