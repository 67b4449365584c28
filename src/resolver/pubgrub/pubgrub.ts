// Version solving by conflict-driven learning: PubGrub (Natalie Weizenbaum's algorithm for Dart's
// pub; pubgrub-rs and uv use it too). Unit propagation derives what the incompatibilities force,
// a decision picks a version in the problem's own preference order, and a conflict is resolved by
// learning a new incompatibility from the derivation and jumping back to the decision level where
// it becomes useful. Every loop is iterative; nothing here limits steps: the algorithm terminates.
import { incompatibility, priorCause, type Incompatibility } from './incompatibility.js';
import { PartialSolution } from './partial-solution.js';
import { bit, negate, negative, positive, type Term } from './term.js';

/** What the engine asks of the problem it solves. */
export interface Problem<E> {
  readonly root: string;
  /** The package's versions; a version is its index (bit) in this list. */
  versions(pkg: string): readonly string[];
  /** Allowed version indices in the order they should be tried. */
  preference(pkg: string, allowed: bigint): number[];
  /** Why a version cannot be used at all (bad metadata, other architecture), if it cannot. */
  unavailable(pkg: string, version: number): E | undefined;
  /** Incompatibilities that choosing this version brings (its dependencies), as terms and cause. */
  dependencies(pkg: string, version: number): { terms: [string, Term][]; why: E }[];
  /** External causes the engine itself creates. */
  rootCause(): E;
  noVersions(pkg: string, allowed: bigint): E;
}

export class NoSolution<E> extends Error {
  constructor(readonly incompatibility: Incompatibility<E>) {
    super('no solution');
  }
}

export interface Solution<E> {
  /** Package → chosen version index (the root included). */
  decisions: Map<string, number>;
  /** The assignments of the final partial solution, for explaining choices. */
  solution: PartialSolution<E>;
}

export function solvePubGrub<E>(problem: Problem<E>): Solution<E> {
  const byPackage = new Map<string, Incompatibility<E>[]>();
  const add = (incompat: Incompatibility<E>) => {
    for (const pkg of incompat.terms.keys()) {
      let list = byPackage.get(pkg);
      if (!list) byPackage.set(pkg, (list = []));
      list.push(incompat);
    }
  };
  const ps = new PartialSolution<E>();
  const expanded = new Map<string, Incompatibility<E>[]>();
  // Whether a version can be used never changes during a run: asked once per version.
  const unavailability = new Map<string, E | null>();
  const unavailable = (pkg: string, version: number): E | undefined => {
    const key = `${pkg}\0${version}`;
    let why = unavailability.get(key);
    if (why === undefined) unavailability.set(key, (why = problem.unavailable(pkg, version) ?? null));
    return why ?? undefined;
  };
  // First seen first: ties between equally constrained packages are broken by discovery order.
  const discovered = new Map<string, number>();
  const discover = (incompat: Incompatibility<E>) => {
    for (const pkg of incompat.terms.keys()) if (!discovered.has(pkg)) discovered.set(pkg, discovered.size);
  };

  const isTerminal = (incompat: Incompatibility<E>) => {
    if (incompat.terms.size === 0) return true;
    if (incompat.terms.size > 1) return false;
    const term = incompat.terms.get(problem.root);
    return term !== undefined && term.positive;
  };

  const resolveConflict = (start: Incompatibility<E>): { pkg: string; incompat: Incompatibility<E> } => {
    let incompat = start;
    let learned = false;
    for (;;) {
      if (isTerminal(incompat)) throw new NoSolution(incompat);
      const { satisfier, previousLevel } = ps.satisfier(incompat);
      if (satisfier.cause === undefined || previousLevel !== satisfier.level) {
        if (learned) add(incompat);
        ps.backtrack(previousLevel);
        return { pkg: satisfier.pkg, incompat };
      }
      incompat = priorCause(incompat, satisfier.cause, satisfier.pkg);
      learned = true;
    }
  };

  const propagate = (start: string) => {
    const changed = [start];
    while (changed.length > 0) {
      const pkg = changed.pop() as string;
      const list = byPackage.get(pkg) ?? [];
      for (let i = list.length - 1; i >= 0; i--) {
        const relation = ps.relation(list[i], undefined, pkg);
        if (relation.kind === 'satisfied') {
          const { pkg: almost, incompat } = resolveConflict(list[i]);
          ps.derive(almost, negate(incompat.terms.get(almost) as Term), incompat);
          changed.length = 0;
          changed.push(almost);
          break;
        }
        if (relation.kind === 'almost') {
          ps.derive(relation.pkg, negate(list[i].terms.get(relation.pkg) as Term), list[i]);
          if (!changed.includes(relation.pkg)) changed.push(relation.pkg);
        }
      }
    }
  };

  /** The undecided package with a positive derivation and the fewest allowed versions (ties: first discovered). */
  const nextPackage = (): string | undefined => {
    let best: string | undefined;
    let bestCount = Infinity;
    let bestOrder = Infinity;
    for (const [pkg, allowed] of ps.frontier) {
      const order = discovered.get(pkg) as number;
      if (allowed < bestCount || (allowed === bestCount && order < bestOrder)) {
        best = pkg;
        bestCount = allowed;
        bestOrder = order;
      }
    }
    return best;
  };

  const rootIncompat = incompatibility<E>([[problem.root, negative(bit(0))]], { kind: 'external', why: problem.rootCause() });
  add(rootIncompat);
  discover(rootIncompat);
  let next = problem.root;
  for (;;) {
    propagate(next);
    const pkg = nextPackage();
    if (pkg === undefined) return { decisions: ps.decisions, solution: ps };
    next = pkg;
    const allowed = ps.termOf(pkg).set;
    let chosen: number | undefined;
    let ruledOut = 0;
    for (const version of problem.preference(pkg, allowed)) {
      const why = unavailable(pkg, version);
      if (why === undefined) {
        chosen = version;
        break;
      }
      // Added once: a later pass over the same package meets the fact, not the question.
      if (!unavailability.has(`${pkg}\0${version}\0added`)) {
        unavailability.set(`${pkg}\0${version}\0added`, null);
        add(incompatibility([[pkg, positive(bit(version))]], { kind: 'external', why }));
      }
      ruledOut++;
    }
    if (chosen === undefined) {
      // Each version ruled out carries its own reason; only an empty choice needs one more.
      if (ruledOut === 0) add(incompatibility<E>([[pkg, positive(allowed)]], { kind: 'external', why: problem.noVersions(pkg, allowed) }));
      continue;
    }
    // A version's dependencies are added once: after a backjump the same decision is often made
    // again, and duplicates would make every later propagation slower.
    const key = `${pkg}\0${chosen}`;
    let brought = expanded.get(key);
    if (brought === undefined) {
      brought = problem.dependencies(pkg, chosen).map((d) => incompatibility<E>(d.terms, { kind: 'external', why: d.why }));
      expanded.set(key, brought);
      for (const incompat of brought) {
        add(incompat);
        discover(incompat);
      }
    }
    // A version whose own dependencies already fail is not decided: propagation rules it out.
    const decision = { pkg, term: positive(bit(chosen)) };
    if (brought.every((incompat) => ps.relation(incompat, decision).kind !== 'satisfied')) ps.decide(pkg, chosen);
  }
}
