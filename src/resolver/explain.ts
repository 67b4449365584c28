// Words for what the solver derived (PubGrub's external incompatibilities are the facts; a derived
// one rests on them). A failure names the package no version of which fits, and each chain of
// requirements from the run to it; a missing dependency names the chain to it. `--why` and -v
// explain an excluded version by the facts its exclusion was derived from.
import { formatConstraints } from './constraint.js';
import type { Alternative, Requirement } from './dependencies.js';
import { incompatibility, leaves, type Incompatibility } from './pubgrub/incompatibility.js';
import type { PartialSolution } from './pubgrub/partial-solution.js';
import { allowedVersions, allows, and, compare, indices, intersect, isEmptySet, negate, or, positive, type Term, type VersionSet } from './pubgrub/term.js';

/** One choice of a Dependencies line: an alternative under one name. */
export interface Option {
  /** The package: the installed program the asked name means. */
  name: string;
  /** The name as asked (before case matching; a CompatibilityList substitute). */
  asked: string;
  alternative: Alternative;
  /** Installed versions of `name` that satisfy the alternative's constraints. */
  set: VersionSet;
  installed: readonly string[];
  /** Several programs whose names differ only in letter case. */
  ambiguous: string[] | undefined;
}

/** Why an external incompatibility holds. */
export type Why =
  | { kind: 'root' }
  | { kind: 'program'; name: string; version: string }
  | { kind: 'line'; by: string; requirement: Requirement; option: Option | undefined }
  | { kind: 'option'; by: string; requirement: Requirement; option: Option }
  | { kind: 'unavailable'; name: string; version: string; reason: string }
  | { kind: 'none'; name: string; versions: string[] };

export type Describe = (pkg: string) => { versions: readonly string[]; virtual: boolean; root: boolean };

type Fact = Incompatibility<Why>;

const whyOf = (fact: Fact): Why => (fact.cause.kind === 'external' ? fact.cause.why : { kind: 'root' });

function lacking(option: Option): string {
  if (option.ambiguous) return `${option.asked} could be ${option.ambiguous.join(' or ')} (names that differ only in letter case)`;
  if (option.installed.length === 0) return `${option.asked} is not installed`;
  const constraints = formatConstraints(option.alternative.constraints);
  return `no installed version of ${option.name} fits ${constraints} (installed: ${option.installed.join(', ')})`;
}

/** A fact in words; '' for the ones that go without saying (the run itself). */
export function sentence(fact: Fact): string {
  const why = whyOf(fact);
  switch (why.kind) {
    case 'root':
      return '';
    case 'program':
      return `${why.name} ${why.version} is the program being run`;
    case 'line': {
      const text = `${why.by} needs ${why.requirement.text}`;
      if (!why.option || !isEmptySet(why.option.set)) return text;
      return `${text}, but ${lacking(why.option)} (${why.requirement.file}:${why.requirement.line})`;
    }
    case 'option':
      return isEmptySet(why.option.set) ? `${lacking(why.option)}` : '';
    case 'unavailable':
      return `${why.name} ${why.version} ${why.reason}`;
    case 'none':
      return `no version of ${why.name} can be used`;
  }
}

/** A dependency-shaped fact: requester (its positive term) → the package it constrains. */
function edge(fact: Fact): { from: string; to: string } | undefined {
  let from: string | undefined;
  let to: string | undefined;
  for (const [pkg, term] of fact.terms) {
    if (term.positive) from = pkg;
    else to = pkg;
  }
  return from !== undefined && to !== undefined ? { from, to } : undefined;
}

/** What a fact allows for each package it constrains: Neg(S) means "must be in S", a lone Pos(T) "not in T". */
function constraints(fact: Fact, describe: Describe): [string, VersionSet][] {
  if (fact.terms.size === 1) {
    const [[pkg, term]] = [...fact.terms];
    if (!term.positive) return [];
    return [[pkg, allowedVersions(negate(term), describe(pkg).versions.length)]];
  }
  return [...fact.terms].filter(([, t]: [string, Term]) => !t.positive).map(([pkg, t]) => [pkg, t.set]);
}

const missing = (fact: Fact): boolean => {
  const why = whyOf(fact);
  return (why.kind === 'line' || why.kind === 'option') && why.option !== undefined && isEmptySet(why.option.set);
};

/** The chain of facts from the run to `fact`: requirement by requirement (breadth first). */
function chain(fact: Fact, facts: readonly Fact[], root: string): string[] {
  const start = edge(fact)?.from ?? (fact.terms.size === 1 ? [...fact.terms.keys()][0] : root);
  const via = new Map<string, Fact | null>([[root, null]]);
  const queue = [root];
  for (let q = 0; q < queue.length && !via.has(start); q++) {
    for (const f of facts) {
      const e = edge(f);
      if (e && e.from === queue[q] && !via.has(e.to)) {
        via.set(e.to, f);
        queue.push(e.to);
      }
    }
  }
  const steps: string[] = [];
  for (let at = start, guard = 0; via.get(at) && guard < facts.length; guard++) {
    const f = via.get(at) as Fact;
    // The program being run starts every chain; saying so at each step adds nothing.
    if (whyOf(f).kind !== 'program') steps.unshift(sentence(f));
    at = (edge(f) as { from: string }).from;
  }
  return [...steps, sentence(fact)].filter(Boolean);
}

/**
 * One fact per line of a program: the same line in several versions of the requester is said once,
 * as "A3 needs X < 2.0" when every installed version has it, else "A3 0.9 or 1.0 needs …".
 */
function mergeSharedLines(facts: readonly Fact[], describe: Describe): Fact[] {
  // In the facts' order: a fact said as it is, or the first of a line's versions, which gathers the others.
  const slots: { fact: Fact; requester?: string; set?: VersionSet }[] = [];
  const byLine = new Map<string, { fact: Fact; requester: string; set: VersionSet }>();
  for (const fact of facts) {
    const why = whyOf(fact);
    const requester = edge(fact)?.from ?? [...fact.terms.keys()][0];
    const term = fact.terms.get(requester);
    if (why.kind !== 'line' || !term?.positive || describe(requester).root || describe(requester).virtual) {
      slots.push({ fact });
      continue;
    }
    const key = `${requester}\0${why.requirement.text}\0${why.option?.name ?? ''}`;
    const line = byLine.get(key);
    if (line) {
      line.set = or(line.set, term.set);
      continue;
    }
    const first = { fact, requester, set: term.set };
    byLine.set(key, first);
    slots.push(first);
  }
  return slots.map(({ fact, requester, set }) => {
    const why = whyOf(fact);
    if (requester === undefined || set === undefined || why.kind !== 'line' || set === fact.terms.get(requester)?.set) return fact;
    const all = describe(requester).versions;
    const versions = indices(set).map((i) => all[i]);
    const by = versions.length === all.length ? requester : `${requester} ${versions.join(' or ')}`;
    const terms = new Map(fact.terms);
    terms.set(requester, positive(set));
    return incompatibility<Why>(terms, { kind: 'external', why: { ...why, by } });
  });
}

export function explainFailure(terminal: Fact, describe: Describe): string {
  const facts = mergeSharedLines(leaves(terminal), describe);
  // The run itself: the root package, whose fact every derivation rests on.
  const root = facts.flatMap((f) => [...f.terms.keys()]).find((pkg) => describe(pkg).root) ?? '';
  const lacks = facts.filter(missing);
  if (lacks.length > 0) return lacks.map((f) => chain(f, facts, root).join(' → ')).join('; ');
  const allowed = new Map<string, { set: VersionSet; facts: Fact[] }>();
  for (const fact of facts) {
    for (const [pkg, set] of constraints(fact, describe)) {
      const before = allowed.get(pkg);
      allowed.set(pkg, before ? { set: and(before.set, set), facts: [...before.facts, fact] } : { set, facts: [fact] });
    }
  }
  for (const [pkg, { set, facts: against }] of allowed) {
    if (!isEmptySet(set) || against.length < 2 || describe(pkg).virtual || describe(pkg).root) continue;
    const chains = against.map((f) => chain(f, facts, root)).sort((x, y) => x.length - y.length).map((c) => c.join(' → ')).filter(Boolean);
    return `${chains.join('; ')}; no version of ${pkg} fits ${against.length === 2 ? 'both' : 'all of these'}`;
  }
  const said = facts.map(sentence).filter(Boolean);
  return `${said.join('; ')}; no combination of versions fits`;
}

/**
 * What made `term` hold for package `pkg` before trail position `end`: its assignments from the
 * first on, up to the one after which the term held. A decision there is the reason by itself
 * (one version; nothing after it narrows the package further): the version it chose, with the
 * causes of what came before it. Otherwise the causes of those assignments.
 */
function holdsBecause(solution: PartialSolution<Why>, pkg: string, term: Term, end: number): { decided: number | undefined; causes: Fact[] } {
  const causes: Fact[] = [];
  let accumulated: Term | undefined;
  for (let at = 0; at < end; at++) {
    if (solution.names[solution.idAt(at)] !== pkg) continue;
    const assigned = solution.termAt(at);
    const cause = solution.causeAt(at);
    if (cause === undefined) return { decided: indices(assigned.set)[0], causes };
    causes.push(cause);
    accumulated = accumulated === undefined ? assigned : intersect(accumulated, assigned);
    if (compare(accumulated, term) === 1) break;
  }
  return { decided: undefined, causes };
}

/**
 * Why version `index` of `pkg` was ruled out in the final solution, if a derivation ruled it out:
 * what made the rule's other terms hold, then the facts behind the rule itself. A term holds from
 * one assignment on: what came before it counts, what came after does not. When that assignment
 * is a decision (another program's version chosen earlier, in preference order), the decision is
 * the reason; a line that only narrowed that program before it is not.
 */
export function explainExclusion(solution: PartialSolution<Why>, pkg: string, index: number, describe: Describe): string | undefined {
  const pkgAt = (at: number) => solution.names[solution.idAt(at)];
  let at = 0;
  while (at < solution.length && !(pkgAt(at) === pkg && solution.causeAt(at) !== undefined && !allows(solution.termAt(at), index))) at++;
  if (at === solution.length) return undefined;
  const rule = solution.causeAt(at) as Fact;
  const words: string[] = [];
  const facts: Fact[] = [];
  for (const [other, term] of rule.terms) {
    if (other === pkg) continue;
    const { decided, causes } = holdsBecause(solution, other, term, at);
    // The run and a line's choice among alternatives are decided too: for them, the lines that
    // brought them in say more than the decision.
    if (decided !== undefined && !describe(other).root && !describe(other).virtual) words.push(`${other} ${describe(other).versions[decided]} was chosen earlier`);
    else for (const cause of causes) facts.push(...leaves(cause));
  }
  for (const item of leaves(rule)) facts.push(item);
  // That the program being run is pinned goes without saying, unless `pkg` is that program.
  const said = facts.filter((f) => whyOf(f).kind !== 'program' || (whyOf(f) as { name: string }).name === pkg);
  const all = [...new Set([...words, ...said.map(sentence).filter(Boolean)])];
  return all.length > 0 ? `ruled out: ${all.join('; ')}` : `ruled out (${pkg} ${describe(pkg).versions[index]})`;
}
