// Generated trees with a planted solution, for the solver's tests and bench/resolve: every program
// has 5–10 versions, one of them planted; the planted version's dependencies accept the planted
// versions of what they name, while the other versions (Current, the newest, among them) are
// traps: they ask for versions that rule the planted ones out, or for a program that is not
// installed. A solver that follows preference order blindly walks into the traps; a solution
// always exists, so every run must resolve, and its answer is checked line by line.
import fs from 'node:fs';
import path from 'node:path';
import { parseDependencies } from '../../src/resolver/dependencies.js';
import { satisfiesAll } from '../../src/resolver/constraint.js';

export function rng(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 8) % n;
  };
}

export interface PlantedOptions {
  programs: number;
  minVersions?: number;
  maxVersions?: number;
  dependencies?: number;
  /** Lines on App (the program being resolved). */
  appDependencies?: number;
}

export const programName = (i: number): string => `P${String(i).padStart(4, '0')}`;

/** Writes the tree under `root` and returns the planted version of each program. */
export function writePlantedTree(root: string, seed: number, options: PlantedOptions): Map<string, string> {
  const next = rng(seed);
  const { programs, minVersions = 5, maxVersions = 10, dependencies = 3, appDependencies = 5 } = options;
  const versions = Array.from({ length: programs }, () =>
    Array.from({ length: minVersions + next(maxVersions - minVersions + 1) }, (_, v) => `${v + 1}.0`),
  );
  const planted = versions.map((list) => next(list.length));
  const range = (q: number) => {
    const s = planted[q];
    const lo = s - next(s + 1);
    const hi = s + next(versions[q].length - s);
    return `${programName(q)} >= ${versions[q][lo]}, <= ${versions[q][hi]}`;
  };
  const trap = (q: number) => {
    const s = planted[q];
    return s + 1 < versions[q].length
      ? `${programName(q)} > ${versions[q][s]}`
      : `${programName(q)} < ${versions[q][s]}`;
  };
  const write = (name: string, version: string, lines: string[]) => {
    const dir = path.join(root, 'Programs', name, version, 'Resources');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'Dependencies'), lines.map((l) => `${l}\n`).join(''));
  };
  for (let p = 0; p < programs; p++) {
    versions[p].forEach((version, v) => {
      const lines: string[] = [];
      const later = programs - p - 1;
      for (let d = 0; d < Math.min(dependencies, later); d++) {
        const q = p + 1 + next(later);
        if (v === planted[p]) lines.push(range(q));
        else lines.push(next(10) < 7 ? trap(q) : range(q));
      }
      if (v !== planted[p] && next(10) === 0) lines.push('NotInstalled >= 1.0');
      write(programName(p), version, lines);
    });
    // Current is the newest: a trap whenever the planted version is another one.
    fs.symlinkSync(versions[p].at(-1) as string, path.join(root, 'Programs', programName(p), 'Current'));
  }
  write(
    'App',
    '1.0',
    Array.from({ length: Math.min(appDependencies, programs) }, (_, i) => range(i)),
  );
  fs.mkdirSync(path.join(root, 'System/Index/bin'), { recursive: true });
  return new Map(planted.map((s, p) => [programName(p), versions[p][s]]));
}

/**
 * Checks an answer line by line: every line of App's and of each chosen version's Dependencies
 * has an alternative whose program was chosen at a version that satisfies it. Returns problems.
 */
export function checkAnswer(root: string, chosen: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, version] of chosen) {
    const file = path.join(root, 'Programs', name, version, 'Resources/Dependencies');
    if (!fs.existsSync(file)) continue;
    for (const requirement of parseDependencies(fs.readFileSync(file, 'utf8'), file).requirements) {
      const met = requirement.alternatives.some((a) => {
        const got = chosen.get(a.name);
        return got !== undefined && satisfiesAll(got, a.constraints);
      });
      if (!met && !requirement.optional) problems.push(`${name} ${version}: '${requirement.text}' is not met`);
    }
  }
  return problems;
}
