// The conflict-driven solver on inputs far larger than the fixtures (issue 8): patterns that defeat
// chronological backtracking, generated trees with a planted solution (every answer checked line
// by line), unsatisfiable trees whose explanation must name the package and both chains, and the
// real-metadata rules (letter case, optional [flag] lines, pre-release order).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goboPaths } from '../src/resolver/paths.js';
import { newWorld, resolveTarget, type ResolveOptions } from '../src/run/resolve.js';
import { anyTarget } from '../src/run/target.js';
import { checkAnswer, rng, writePlantedTree } from './helpers/planted.js';
import { writeCollectionTree } from './helpers/collection-shaped.js';
import { parseDependencies, type Requirement } from '../src/resolver/dependencies.js';
import type { EngineSettings } from '../src/resolver/pubgrub/pubgrub.js';
import { Buckets } from '../src/resolver/pubgrub/buckets.js';
import {
  allows,
  allVersions,
  intersect,
  negate,
  negative,
  noVersions,
  or,
  positive,
  single,
  union,
  type Term,
  type VersionSet,
} from '../src/resolver/pubgrub/term.js';
import { satisfiesAll } from '../src/resolver/constraint.js';
import { failure } from './helpers/failure.js';
import { makeTree, tempDir, type TreeSpec } from './helpers/tree.js';

function resolveIn(root: string, target = 'App', extra: Partial<ResolveOptions> = {}) {
  const options: ResolveOptions = { paths: goboPaths(root), arch: 'x86_64', ...extra };
  const world = newWorld(options);
  return resolveTarget(world, anyTarget(world, target), options);
}
const resolve = (spec: TreeSpec, target = 'App', extra: Partial<ResolveOptions> = {}) =>
  resolveIn(makeTree(spec), target, extra);
const chosenMap = (run: ReturnType<typeof resolveIn>) =>
  new Map([
    ...(run.program ? [[run.program.name, run.program.version] as [string, string]] : []),
    ...run.dependencies.map((d) => [d.name, d.version] as [string, string]),
  ]);

for (const width of [18, 40, 120]) {
  test(`the late-line pattern at ${width} programs: one more line on Lib0 is settled at once`, () => {
    const programs: TreeSpec['programs'] = {
      App: { '1.0': { deps: [...Array.from({ length: width }, (_, i) => `Lib${i}`), 'Lib0 < 2.0'].join('\n') } },
    };
    const current: Record<string, string> = {};
    for (let i = 0; i < width; i++) {
      // Each 2.0 pulls in the next library, so a wrong early choice is buried under many others.
      programs[`Lib${i}`] = { '1.0': {}, '2.0': { deps: i + 1 < width ? `Lib${i + 1} >= 2.0` : '' } };
      current[`Lib${i}`] = '2.0';
    }
    const run = resolve({ programs, current });
    const chosen = chosenMap(run);
    assert.is(chosen.get('Lib0'), '1.0');
    for (let i = 1; i < width; i++) assert.is(chosen.get(`Lib${i}`), '2.0', `Lib${i}`);
    // At once: the line on Lib0 is propagated before anything is decided, so no choice is undone
    // (the run itself, App, and each library decided once).
    assert.equal(run.effort, { decisions: width + 2, conflicts: 0 });
  });
}

for (const [seed, programs] of [
  [1, 200],
  [2, 300],
  [3, 400],
  [4, 300],
  [5, 600],
] as const) {
  test(`planted tree #${seed}: ${programs} programs × 5–10 versions with traps resolve, checked line by line`, () => {
    const root = tempDir('runner-planted-');
    writePlantedTree(root, seed, { programs });
    const run = resolveIn(root);
    const chosen = chosenMap(run);
    assert.ok(chosen.size > Math.min(programs / 3, 100), `a real closure (${chosen.size} programs)`);
    assert.equal(checkAnswer(root, chosen), []);
  });
}

test('a tree shaped like the recipe collection (600 programs, use flags, rare upper bounds) resolves, checked line by line; and Current is left only where an upper bound rules it out', () => {
  const root = tempDir('runner-collection-');
  writeCollectionTree(root, 3, { programs: 600, apps: { App: 60 } });
  const run = resolveIn(root);
  const chosen = chosenMap(run);
  assert.ok(chosen.size > 300, `a real closure (${chosen.size} programs)`);
  assert.equal(checkAnswer(root, chosen), []);
  const notes = run.notes();
  const notCurrent = notes.filter((note) => note.includes(', not Current '));
  assert.ok(notCurrent.length > 0, 'some upper bound rules a Current out');
  // Only an upper bound can rule out a highest version, so each reason goes back to one.
  for (const note of notCurrent) assert.match(note, /: Current ruled out: .*, < /, note);
});

test('planted trees of 60–120 programs: every propagation leaves nothing it should have derived (backjumps as usual and chronological)', () => {
  // The small random trees below rarely take many versions away at once (a decision among 5–10
  // versions), which is where the watches look at every "not P ∈ S" term: these trees do.
  for (const chronologicalAfter of [100, 0]) {
    const engine: EngineSettings = { chronologicalAfter, verifyPropagation: true };
    for (let seed = 1; seed <= 8; seed++) {
      const root = tempDir('runner-planted-');
      writePlantedTree(root, seed, { programs: 60 + 10 * seed });
      assert.equal(checkAnswer(root, chosenMap(resolveIn(root, 'App', { engine }))), [], `seed ${seed}`);
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
});

test('a closure of more than 2,100 requirement lines resolves (no recursion that grows with the input)', () => {
  const root = tempDir('runner-planted-');
  writePlantedTree(root, 7, { programs: 800, dependencies: 4, appDependencies: 40, minVersions: 3, maxVersions: 5 });
  const run = resolveIn(root);
  const chosen = chosenMap(run);
  const lines = [...chosen].reduce(
    (n, [name, version]) =>
      n +
      fs
        .readFileSync(path.join(root, 'Programs', name, version, 'Resources/Dependencies'), 'utf8')
        .split('\n')
        .filter(Boolean).length,
    0,
  );
  assert.ok(lines > 2100, `${lines} lines`);
  assert.equal(checkAnswer(root, chosen), []);
});

/** App needs A1 and B1; A1 → … → A30 needs X < 2.0, B1 → … → B30 needs X >= 2.0; 25 unrelated programs beside. */
function deepConflict(depth: number, unrelated: number): TreeSpec {
  const programs: TreeSpec['programs'] = { X: { '1.0': {}, '2.0': {} } };
  const appLines = ['A1', 'B1'];
  for (const side of ['A', 'B']) {
    for (let i = 1; i <= depth; i++) {
      const next = i < depth ? `${side}${i + 1}` : side === 'A' ? 'X < 2.0' : 'X >= 2.0';
      programs[`${side}${i}`] = { '1.0': { deps: next }, '0.9': { deps: next } };
    }
  }
  for (let u = 1; u <= unrelated; u++) {
    programs[`U${u}`] = { '1.0': { deps: u < unrelated ? `U${u + 1}` : '' }, '2.0': {} };
    appLines.push(`U${u}`);
  }
  programs.App = { '1.0': { deps: appLines.join('\n') } };
  return { programs, current: { X: '2.0' } };
}

test('unsatisfiable 30 levels deep under 25 unrelated programs: the derivation, bounded, from both chains to the run', () => {
  const error = failure(() => resolve(deepConflict(30, 25)));
  assert.is(error.exitCode, 120);
  const lines = error.message.split('\n');
  assert.is(lines[0], 'no choice of the installed versions fits:');
  assert.not.match(error.message, /\bU\d+/, 'unrelated programs stay out of the explanation');
  assert.match(error.message, /\bA1 \d/);
  assert.match(error.message, /\bB1 \d/);
  assert.match(
    lines.at(-1)!,
    /^ {2}And because App 1\.0 needs [AB]1 and App 1\.0 is the program being run, the run cannot be satisfied\.$/,
  );
  assert.ok(lines.length <= 40, `bounded: ${lines.length} lines`);
  assert.match(error.message, /\n {2}… \d+ more lines of the derivation …\n/);
  // Shallow enough to be told whole: the conflict on X is in it, said from both sides.
  const shallow = failure(() => resolve(deepConflict(3, 5))).message;
  assert.not.match(shallow, /more lines of the derivation/);
  assert.match(shallow, /needs X < 2\.0/);
  assert.match(shallow, /needs X >= 2\.0/);
});

test('a direct dependency that is simply not installed is named, however tangled the rest', () => {
  const spec = deepConflict(5, 3);
  (spec.programs.App['1.0'] as { deps: string }).deps += '\nWebkit\n';
  const error = failure(() => resolve(spec));
  assert.match(error.message, /^App 1\.0 needs Webkit, but Webkit is not installed \(.*Dependencies:6\)/);
});

test('names are matched ignoring letter case; two programs that differ only in case are named', () => {
  const run = resolve({
    programs: { App: { '1': { deps: 'Glib >= 2\nZLIB\n' } }, GLib: { '2.80': {} }, Zlib: { '1.3': {} } },
  });
  assert.equal([...chosenMap(run)].slice(1), [
    ['GLib', '2.80'],
    ['Zlib', '1.3'],
  ]);
  const error = failure(() =>
    resolve({ programs: { App: { '1': { deps: 'glib\n' } }, GLib: { '2': {} }, Glib: { '1': {} } } }),
  );
  assert.match(
    error.message,
    /App 1 needs glib, but glib could be GLib or Glib \(names that differ only in letter case\)/,
  );
});

test('[flag] lines are optional: layered when they fit, skipped (and said with -v) when they do not', () => {
  const programs = {
    App: { '1': { deps: 'Qt >= 4.5 [qt]\nDBus [dbus]\nKDE\n' } },
    Qt: { '3.3': {}, '4.8': {} },
    KDE: { '1': { deps: 'Qt < 4\n' } },
  };
  const run = resolve({ programs, current: { Qt: '4.8' } });
  assert.equal([...chosenMap(run)].slice(1), [
    ['KDE', '1'],
    ['Qt', '3.3'],
  ]);
  assert.ok(
    run.notes().some((n) => /optional 'Qt >= 4\.5' .* skipped: it does not fit with the rest/.test(n)),
    run.notes().join('\n'),
  );
  assert.ok(
    run.notes().some((n) => /optional 'DBus' .* skipped: nothing installed fits it/.test(n)),
    run.notes().join('\n'),
  );
  const fits = resolve({ programs: { ...programs, App: { '1': { deps: 'Qt >= 4.5 [qt]\n' } } } });
  assert.equal([...chosenMap(fits)].slice(1), [['Qt', '4.8']]);
});

test('pre-releases: Tcl >= 8.6.10 takes 8.6.16, never 8.6b3, even when 8.6b3 is Current', () => {
  const run = resolve({
    programs: {
      App: { '1': { deps: 'Tcl >= 8.6.10\n' } },
      Tcl: { '8.5a4': {}, '8.5.9': {}, '8.6b3': {}, '8.6.10': {}, '8.6.16': {} },
    },
    current: { Tcl: '8.6b3' },
  });
  assert.equal([...chosenMap(run)].slice(1), [['Tcl', '8.6.16']]);
});

test('--why gives the derived reason for a version ruled out through another program', () => {
  const run = resolve({
    programs: {
      App: { '1': { deps: 'Greet < 2.0\nTool\n' } },
      Tool: { '3.1': { deps: 'Greet >= 2.0\n' }, '2.0': { deps: 'Greet >= 1.0\n' } },
      Greet: { '1.0': {}, '2.0': {} },
    },
    current: { Tool: '3.1' },
  });
  assert.equal([...chosenMap(run)].slice(1), [
    ['Greet', '1.0'],
    ['Tool', '2.0'],
  ]);
  assert.is(run.whyNot('Tool', '3.1'), 'ruled out: App 1 needs Greet < 2.0; Tool 3.1 needs Greet >= 2.0');
  assert.ok(
    run
      .notes()
      .includes('Tool 2.0, not Current 3.1: Current ruled out: App 1 needs Greet < 2.0; Tool 3.1 needs Greet >= 2.0'),
    run.notes().join('\n'),
  );
});

test('--why names the earlier choice that ruled a version out, not a line that only narrowed that program before it', () => {
  // Helper (one version) is decided first and narrows Greet to 1.5 or 2.0; Greet is decided next
  // (tied with Tool, met first) at its Current 2.0, which rules out Tool's Current 3.1.
  const run = resolve({
    programs: {
      App: { '1': { deps: 'Greet\nTool\nHelper\n' } },
      Helper: { '1.0': { deps: 'Greet >= 1.5\n' } },
      Tool: { '3.1': { deps: 'Greet < 2.0\n' }, '1.0': {} },
      Greet: { '1.0': {}, '1.5': {}, '2.0': {} },
    },
    current: { Tool: '3.1', Greet: '2.0' },
  });
  assert.equal(chosenMap(run).get('Greet'), '2.0');
  assert.equal(chosenMap(run).get('Tool'), '1.0');
  assert.is(run.whyNot('Tool', '3.1'), 'ruled out: Greet 2.0 was chosen earlier; Tool 3.1 needs Greet < 2.0');
  assert.ok(
    run
      .notes()
      .includes(
        'Tool 1.0, not Current 3.1: Current ruled out: Greet 2.0 was chosen earlier; Tool 3.1 needs Greet < 2.0',
      ),
    run.notes().join('\n'),
  );
});

test('a program with more versions than a number set holds (40): resolved, learned from and explained alike', () => {
  // Version sets are numbers up to 31 versions and BigInts beyond: the wide path must give the same
  // answers, also for versions past the 32nd (1.0–1.7 here, newest first).
  const wide: Record<string, { deps?: string }> = {};
  for (let i = 0; i < 40; i++) wide[`1.${i}`] = { deps: i >= 8 ? 'Lib >= 2.0' : '' };
  const spec = (extra: string): TreeSpec => ({
    programs: {
      Wide: wide,
      Lib: { '1.0': {}, '2.0': { deps: 'Wide < 1.6' } },
      App: { '1.0': { deps: `Wide\nLib >= 2.0\n${extra}` } },
    },
    current: { Wide: '1.39', Lib: '2.0' },
  });
  // Wide 1.8 and later need Lib >= 2.0, which needs Wide < 1.6: learned, Wide 1.5 is taken.
  const chosen = chosenMap(resolve(spec('')));
  assert.is(chosen.get('Wide'), '1.5');
  assert.is(chosen.get('Lib'), '2.0');
  const error = failure(() => resolve(spec('Wide >= 1.6')));
  assert.is(error.exitCode, 120);
  assert.is(
    error.message,
    'no choice of the installed versions fits:\n  Because Lib 2.0 needs Wide < 1.6 and App 1.0 needs Lib >= 2.0, App 1.0 needs Wide 1.0 to 1.5.\n  And because App 1.0 needs Wide >= 1.6 and App 1.0 is the program being run, the run cannot be satisfied.',
  );
});

/**
 * A small random tree: cycles, ranges, `|` choices, [flag] lines, a program that is not installed.
 * `wide`: one program, W, has 36 versions (past the 31 a number version set holds).
 */
function randomTree(seed: number, wide = false): TreeSpec {
  const next = rng(seed);
  const names = wide
    ? ['W', 'A', 'B', 'C'].slice(0, 3 + next(2))
    : ['A', 'B', 'C', 'D', 'E', 'F'].slice(0, 3 + next(4));
  const versionsOf = new Map(
    names.map((n) => [n, Array.from({ length: n === 'W' ? 36 : 1 + next(4) }, (_, i) => `${i + 1}.0`)]),
  );
  const constraint = (name: string) => {
    const versions = versionsOf.get(name) ?? ['1.0'];
    const pick = () => versions[next(versions.length)];
    return ['', ` >= ${pick()}`, ` < ${pick()}`, ` >= ${pick()}, <= ${pick()}`, ` == ${pick()}`][next(5)];
  };
  const alternative = (self: string) => {
    if (next(20) === 0) return 'Missing >= 1.0';
    const others = names.filter((n) => n !== self);
    const name = others[next(others.length)];
    return `${name}${constraint(name)}`;
  };
  const lines = (self: string, count: number) =>
    Array.from(
      { length: count },
      () => `${alternative(self)}${next(5) === 0 ? ` | ${alternative(self)}` : ''}${next(12) === 0 ? ' [extra]' : ''}`,
    ).join('\n');
  const programs: TreeSpec['programs'] = { App: { '1.0': { deps: lines('App', 1 + next(3)) } } };
  const current: Record<string, string> = {};
  for (const [name, versions] of versionsOf) {
    programs[name] = Object.fromEntries(versions.map((v) => [v, { deps: lines(name, next(4)) }]));
    current[name] = versions[next(versions.length)];
  }
  return { programs, current };
}

/** Whether any choice of versions (or leaving programs out) meets every required line, by trying them all. */
function solvableByExhaustion(spec: TreeSpec): boolean {
  const names = Object.keys(spec.programs);
  const linesOf = (name: string, version: string): Requirement[] =>
    parseDependencies(spec.programs[name][version].deps ?? '', 'x').requirements;
  const choice = new Map<string, string>();
  const meets = () =>
    [...choice].every(([name, version]) =>
      linesOf(name, version).every(
        (r) =>
          r.optional ||
          r.alternatives.some((a) => choice.has(a.name) && satisfiesAll(choice.get(a.name) as string, a.constraints)),
      ),
    );
  const tryFrom = (i: number): boolean => {
    if (i === names.length) return meets();
    const name = names[i];
    const options = name === 'App' ? ['1.0'] : [undefined, ...Object.keys(spec.programs[name])];
    for (const version of options) {
      if (version === undefined) choice.delete(name);
      else choice.set(name, version);
      if (tryFrom(i + 1)) return true;
    }
    choice.delete(name);
    return false;
  };
  return tryFrom(0);
}

for (const chronologicalAfter of [100, 0]) {
  const how = chronologicalAfter === 0 ? 'every backjump one level back (chronological)' : 'backjumps as usual';
  test(`400 small random trees, ${how}: Runner resolves exactly those that exhaustive search can, and its answers meet every line`, () => {
    // A skipped implication would not change these answers (a conflict finds it later), so every
    // propagation is also checked to leave nothing it should have derived.
    const solved = differential(400, false, { chronologicalAfter, verifyPropagation: true });
    // Both kinds of tree are met, so neither half of the comparison is idle.
    assert.ok(solved > 100 && solved < 380, `${solved} of 400 solvable`);
  });
}

/** Runner against exhaustive search on `count` random trees; returns how many were solvable. */
function differential(count: number, wide: boolean, engine: EngineSettings): number {
  let solved = 0;
  for (let seed = 1; seed <= count; seed++) {
    const spec = randomTree(seed, wide);
    const root = makeTree(spec);
    const expected = solvableByExhaustion(spec);
    let run: ReturnType<typeof resolveIn> | undefined;
    try {
      run = resolveIn(root, 'App', { engine });
    } catch (error) {
      assert.is((error as { exitCode?: number }).exitCode, 120, `seed ${seed}: ${(error as Error).message}`);
    }
    assert.is(
      run !== undefined,
      expected,
      `seed ${seed}: exhaustive search says ${expected ? 'solvable' : 'unsolvable'}`,
    );
    if (run) {
      assert.equal(checkAnswer(root, chosenMap(run)), [], `seed ${seed}`);
      solved++;
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
  return solved;
}

test('60 random trees with a 36-version program (BigInt version sets): the same agreement with exhaustive search', () => {
  const solved = differential(60, true, { chronologicalAfter: 100, verifyPropagation: true });
  assert.ok(solved > 5 && solved < 58, `${solved} of 60 solvable`);
});

test('the buckets of whole checks give back exactly what was filed in a range, in the order filed, also after their places are reused', () => {
  // Against a plain model (a list per number) over random filings and takings, as the solver makes
  // them: filings under numbers up to the trail length, takings of everything above a backjump.
  const next = rng(42);
  const buckets = new Buckets<number>();
  const model = new Map<number, number[]>();
  let item = 0;
  for (let step = 0; step < 20_000; step++) {
    if (next(4) > 0) {
      const at = 1 + next(300);
      buckets.file(at, item);
      model.set(at, [...(model.get(at) ?? []), item]);
      item++;
    } else {
      const from = next(300);
      const to = from + next(50);
      const got: number[] = [];
      buckets.takeRange(from, to, (i) => got.push(i));
      const wanted: number[] = [];
      for (let at = from; at <= to; at++) {
        wanted.push(...(model.get(at) ?? []));
        model.delete(at);
      }
      assert.equal(got, wanted, `step ${step}`);
    }
  }
});

test('the arrays the solver reads have one elements kind, whether their maker runs interpreted or optimized', () => {
  // arrays.ts: Array.prototype.map gives packed arrays until its caller is optimized, then holey
  // ones, and the solver's readers were compiled for one kind and thrown away at the other. Checked
  // in a Node that can ask V8 for an array's kind and force its caller to be optimized.
  const arrays = new URL('../src/resolver/pubgrub/arrays.js', import.meta.url).href;
  const script = `
    const { mapped, mappedNumbers, copied, sparse } = await import(${JSON.stringify(arrays)});
    const kind = (a) => (%HasHoleyElements(a) ? 'holey' : 'packed') + (%HasSmiElements(a) ? ' smi' : ' object');
    const make = (list) => [mappedNumbers(list, (x, i) => x * 2 + i), mapped(list, (x) => ({ x })), copied(list.map((x) => ({ x }))), sparse()];
    make([0]); // an allocation site learns from its first arrays what it makes (as in any solve)
    const interpreted = make([1, 2, 3]).map(kind);
    %PrepareFunctionForOptimization(make);
    make([4, 5]); make([6]);
    %OptimizeFunctionOnNextCall(make);
    const made = make([7, 8, 9]);
    const optimized = made.map(kind);
    if (!(%GetOptimizationStatus(make) & 16)) throw new Error('make was not optimized');
    console.log(JSON.stringify({ interpreted, optimized, values: [made[0], made[1].map((o) => o.x), made[2].map((o) => o.x), made[3].length] }));
  `;
  const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.is(run.status, 0, run.stderr);
  const seen = JSON.parse(run.stdout);
  // Holey, and the same in both tiers.
  for (const kind of seen.interpreted) assert.ok(kind.startsWith('holey'), kind);
  assert.equal(seen.optimized, seen.interpreted);
  assert.equal(seen.values, [[14, 17, 20], [7, 8, 9], [7, 8, 9], 0]);
});

test('terms over sets of 1 to 40 versions (shared for small sets, made anew for others) act as sets of versions do', () => {
  // Against a plain model (a list of booleans per version) over random sets of each width: the
  // terms that term.ts shares are met again by later operations, so a term changed in place by
  // any of them would show up here as a wrong answer.
  const next = rng(7);
  const randomSet = (width: number): VersionSet => {
    let set = noVersions(width);
    for (let v = 0; v < width; v++) if (next(2) === 1) set = or(set, single(width, v));
    return set;
  };
  const model = (t: Term, width: number): boolean[] => Array.from({ length: width }, (_, v) => allows(t, v));
  for (const width of [1, 3, 12, 13, 20, 31, 32, 40]) {
    for (let step = 0; step < 400; step++) {
      const a = (next(2) ? positive : negative)(randomSet(width));
      const b = (next(2) ? positive : negative)(randomSet(width));
      const [ma, mb] = [model(a, width), model(b, width)];
      // As a constraint on a selected package, "not P ∈ S" allows what S leaves out; intersect
      // and union of terms act on what they allow.
      assert.equal(
        model(intersect(a, b), width),
        ma.map((x, v) => x && mb[v]),
        `width ${width}: intersect`,
      );
      assert.equal(
        model(union(a, b), width),
        ma.map((x, v) => x || mb[v]),
        `width ${width}: union`,
      );
      assert.equal(
        model(negate(a), width),
        ma.map((x) => !x),
        `width ${width}: negate`,
      );
      assert.equal(model(a, width), ma, `width ${width}: unchanged by the operations`);
      assert.is(negate(negate(a)).positive, a.positive);
    }
  }
  // Small sets: one term object per set and sign, whoever asks for it.
  assert.is(positive(single(10, 3)), positive(single(10, 3)));
  assert.is(negate(positive(allVersions(12))), negative(allVersions(12)));
});

test.run();
