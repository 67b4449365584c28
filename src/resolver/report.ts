// A failure told as PubGrub's derivation, the way Dart's pub and pubgrub-rs report it: each
// derived fact is said once, from the two facts it was derived from ("Because X and Y, Z."), in
// the order of the derivation; a fact used again later gets a number when it is first said and is
// referred to by that number after. Every line is true on its own. Long lists of versions and
// long names are cut with a count, and the whole report is bounded (a hostile tree can make
// derivations of any size). docs/versions-and-solver.md has the examples.
import { cutMiddle, listWithCount } from '../base/bounded-text.js';
import type { Incompatibility } from './pubgrub/incompatibility.js';
import { count, indices, type Term, type VersionSet } from './pubgrub/term.js';

/** What the report needs to know of a package. */
export interface PackageInfo {
  versions: readonly string[];
  virtual: boolean;
  root: boolean;
  /** A virtual package's line: who has it and its text. */
  line?: { by: string; text: string };
}

export type Describe = (pkg: string) => PackageInfo;

/** A derivation longer than this many lines keeps its first and last steps, and counts the rest. */
const FIRST_LINES = 6;
const LAST_LINES = 12;
/** Deeper derivations than this are told by their last steps only (the report recurses). */
const MAX_DEPTH = 400;
/** Versions listed in one term before the rest is counted. */
const LISTED_VERSIONS = 4;

/** Words for one term: `positive` says which side of the fact it stands on. */
export function termText(pkg: string, term: Term, describe: Describe): string {
  const info = describe(pkg);
  if (info.root) return 'the run';
  const total = info.versions.length;
  if (info.virtual && info.line) {
    const quoted = `'${cutMiddle(info.line.text, 60)}'`;
    const choices = chosenText(info, term.set, total);
    return term.positive ? `${cutMiddle(info.line.by, 80)}'s ${quoted}${choices}` : `${quoted}${choices}`;
  }
  const name = cutMiddle(pkg, 80);
  if (count(term.set) === total && !(term.positive && total === 1))
    return term.positive ? `every version of ${name}` : name;
  return `${name} ${versionsText(info.versions, term.set)}`;
}

/** A virtual package's choices in `set`: '' for all of them. */
function chosenText(info: PackageInfo, set: VersionSet, total: number): string {
  if (count(set) === total) return '';
  const names = indices(set).map((i) => (info.versions[i] === 'skip' ? 'skipped' : cutMiddle(info.versions[i], 60)));
  return ` as ${listWithCount(names, LISTED_VERSIONS, 'or', 'choices')}`;
}

/** The versions of `set`, oldest first (a program's versions are kept newest first). */
export function versionsText(versions: readonly string[], set: VersionSet): string {
  const at = indices(set);
  const oldestFirst = (list: readonly number[]) => list.map((i) => cutMiddle(versions[i], 40)).reverse();
  const others = versions.length - at.length;
  if (at.length > LISTED_VERSIONS && others > 0 && others <= 2) {
    const kept = new Set(at);
    return `other than ${oldestFirst(versions.map((_, i) => i).filter((i) => !kept.has(i))).join(' and ')}`;
  }
  const chosen = oldestFirst(at);
  // A run of neighbours in version order reads as a range.
  if (at.length > LISTED_VERSIONS && at[at.length - 1] - at[0] === at.length - 1)
    return `${chosen[0]} to ${chosen[chosen.length - 1]}`;
  return listWithCount(chosen, LISTED_VERSIONS, 'or', 'versions');
}

/** A fact in words, from its terms alone (for derived facts; external ones have their own words). */
export function factText(fact: Incompatibility<unknown>, describe: Describe): string {
  const positives: string[] = [];
  const negatives: string[] = [];
  let rootOnly = true;
  fact.packages.forEach((pkg, i) => {
    const term = fact.termList[i];
    if (!describe(pkg).root) rootOnly = false;
    if (term.positive) positives.push(termText(pkg, term, describe));
    else negatives.push(termText(pkg, term, describe));
  });
  if (fact.packages.length === 0 || (rootOnly && negatives.length === 0)) return 'the run cannot be satisfied';
  if (negatives.length === 0)
    return positives.length === 1
      ? `${positives[0]} cannot be used`
      : `${positives.join(' and ')} cannot be used together`;
  const needed = negatives.join(' or ');
  if (positives.length === 0) return `${needed} is needed`;
  return `${positives.join(' and ')} ${positives.length === 1 ? 'needs' : 'need'} ${needed}`;
}

type Fact = Incompatibility<unknown>;

const causesOf = (fact: Fact): [Fact, Fact] | undefined =>
  fact.cause.kind === 'derived' ? [fact.cause.left, fact.cause.right] : undefined;

/** The derived facts used more than once in the derivation of `terminal`. */
function sharedFacts(terminal: Fact): Set<Fact> {
  const uses = new Map<Fact, number>();
  const stack = [terminal];
  while (stack.length > 0) {
    const causes = causesOf(stack.pop() as Fact);
    if (!causes) continue;
    for (const cause of causes) {
      if (!causesOf(cause)) continue;
      const seen = uses.get(cause) ?? 0;
      uses.set(cause, seen + 1);
      if (seen === 0) stack.push(cause);
    }
  }
  return new Set([...uses].filter(([, n]) => n > 1).map(([fact]) => fact));
}

/**
 * The derivation of `terminal` as lines. `external` gives an external fact's words ('' for one
 * that goes without saying, such as "the run is wanted").
 */
export function derivationLines(terminal: Fact, describe: Describe, external: (fact: Fact) => string): string[] {
  const shared = sharedFacts(terminal);
  const numbers = new Map<Fact, number>();
  const lines: string[] = [];
  let numbered = 0;

  const say = (fact: Fact): string => (causesOf(fact) ? factText(fact, describe) : external(fact));
  const ref = (fact: Fact): string => `${say(fact)} (${numbers.get(fact)})`;
  const because = (reasons: string[], conclusion: string, and = false) => {
    const said = reasons.filter(Boolean);
    const start = and ? 'And because' : 'Because';
    lines.push(
      said.length === 0
        ? `${conclusion[0].toUpperCase()}${conclusion.slice(1)}.`
        : `${start} ${said.join(' and ')}, ${conclusion}.`,
    );
  };
  const numberLast = (fact: Fact) => {
    if (numbers.has(fact) || lines.length === 0) return;
    numbers.set(fact, ++numbered);
    lines[lines.length - 1] += ` (${numbered})`;
  };

  const explain = (fact: Fact, depth: number): void => {
    explainSteps(fact, depth);
    if (shared.has(fact)) numberLast(fact);
  };

  const explainSteps = (current: Fact, depth: number): void => {
    const [left, right] = causesOf(current) as [Fact, Fact];
    const conclusion = factText(current, describe);
    const derivedLeft = causesOf(left) !== undefined;
    const derivedRight = causesOf(right) !== undefined;
    if (depth > MAX_DEPTH) {
      // Said as a conclusion without its earlier steps: still true, only not derived here.
      because([], conclusion);
      return;
    }
    if (!derivedLeft && !derivedRight) return because([external(left), external(right)], conclusion);
    if (derivedLeft !== derivedRight)
      return oneOfEach(derivedLeft ? left : right, derivedLeft ? right : left, conclusion, depth);
    const [n1, n2] = [numbers.get(left), numbers.get(right)];
    if (n1 !== undefined && n2 !== undefined) return because([ref(left), ref(right)], conclusion);
    if (n1 !== undefined || n2 !== undefined) {
      const [known, other] = n1 !== undefined ? [left, right] : [right, left];
      explain(other, depth + 1);
      return because([ref(known)], conclusion, true);
    }
    explain(left, depth + 1);
    if (numbers.has(left)) {
      // Numbered as it was said (used elsewhere too): now this step refers to it.
      lines.push('');
      return explainSteps(current, depth);
    }
    numberLast(left);
    lines.push('');
    explain(right, depth + 1);
    because([numbers.has(left) ? ref(left) : say(left)], conclusion, true);
  };

  const oneOfEach = (derived: Fact, externalFact: Fact, conclusion: string, depth: number): void => {
    if (numbers.has(derived)) return because([ref(derived), external(externalFact)], conclusion);
    const [p1, p2] = causesOf(derived) as [Fact, Fact];
    const priorExternal = causesOf(p1) === undefined ? p1 : causesOf(p2) === undefined ? p2 : undefined;
    const priorDerived = priorExternal === p1 ? p2 : p1;
    if (priorExternal !== undefined && causesOf(priorDerived) !== undefined && !shared.has(derived)) {
      explain(priorDerived, depth + 1);
      return because([external(priorExternal), external(externalFact)], conclusion, true);
    }
    explain(derived, depth + 1);
    because([external(externalFact)], conclusion, true);
  };

  if (causesOf(terminal)) explain(terminal, 0);
  else lines.push(`${external(terminal)}.`);
  // A blank line between branches reads well in a terminal; at the end it is noise.
  while (lines.at(-1) === '') lines.pop();
  if (lines.length <= FIRST_LINES + LAST_LINES + 1) return lines;
  // The first steps say where it starts, the last ones how it ends: the conclusion is the last.
  const cut = lines.length - FIRST_LINES - LAST_LINES;
  return [
    ...lines.slice(0, FIRST_LINES),
    `… ${cut.toLocaleString('en-US')} more lines of the derivation …`,
    ...lines.slice(-LAST_LINES),
  ];
}

/** Derivation lines under a heading: each indented by two spaces, blank lines kept blank. */
export function indented(lines: readonly string[]): string[] {
  return lines.map((l) => (l === '' ? '' : `  ${l}`));
}
