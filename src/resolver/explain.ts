// Words for what the solver derived (PubGrub's external incompatibilities are the facts; a derived
// one rests on them). A failure is told as the derivation (report.ts), each fact in its own words;
// `--why` and -v explain an excluded version by the same derivation of the fact that excluded it.
import { isAlien } from './paths.js';
import { formatConstraints } from './constraint.js';
import type { Alternative, Requirement } from './dependencies.js';
import { leaves, type Incompatibility } from './pubgrub/incompatibility.js';
import type { PartialSolution } from './pubgrub/partial-solution.js';
import { allows, compare, indices, intersect, isEmptySet, type Term, type VersionSet } from './pubgrub/term.js';
import { derivationLines, indented, versionsText, type Describe } from './report.js';
import { cutMiddle, listWithCount } from '../base/bounded-text.js';

export type { Describe } from './report.js';

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
  /** `unmet`: a line of alternatives none of which anything installed fits (each said why). */
  | { kind: 'line'; by: string; requirement: Requirement; option: Option | undefined; unmet?: Option[] }
  | { kind: 'option'; by: string; requirement: Requirement; option: Option }
  | { kind: 'unavailable'; name: string; version: string; reason: string }
  | { kind: 'none'; name: string; versions: string[] };

type Fact = Incompatibility<Why>;

const whyOf = (fact: Fact): Why => (fact.cause.kind === 'external' ? fact.cause.why : { kind: 'root' });

/** Names, lines and versions from the tree, cut to a length a message can hold. */
const name = (text: string) => cutMiddle(text, 80);
const line = (requirement: Requirement) => `${cutMiddle(requirement.text, 120)}`;
const where = (requirement: Requirement) => `${cutMiddle(requirement.file, 160)}:${requirement.line}`;

function lacking(option: Option): string {
  if (option.ambiguous)
    return `${name(option.asked)} could be ${listWithCount(option.ambiguous.map(name), 4, 'or', 'names')} (names that differ only in letter case)`;
  if (option.installed.length === 0)
    return isAlien(option.asked)
      ? `${name(option.asked)} is not installed (Alien --install ${name(option.asked)} installs it)`
      : `${name(option.asked)} is not installed`;
  const constraints = cutMiddle(formatConstraints(option.alternative.constraints), 120);
  const installed = listWithCount(
    [...option.installed].reverse().map((v) => cutMiddle(v, 40)),
    8,
    'and',
    'versions',
  );
  const unfit = `no installed version of ${name(option.name)} fits ${constraints} (installed: ${installed})`;
  return isAlien(option.asked) ? `${unfit}; Alien --install ${name(option.asked)} installs one` : unfit;
}

/** An external fact in words; '' for the ones that go without saying (the run itself). */
export function sentence(fact: Fact, describe: Describe): string {
  const why = whyOf(fact);
  switch (why.kind) {
    case 'root':
      return '';
    case 'program':
      return `${name(why.name)} ${cutMiddle(why.version, 40)} is the program being run`;
    case 'line': {
      const text = `${name(why.by)} needs ${line(why.requirement)}`;
      if (why.unmet) {
        const each = listWithCount(why.unmet.map(lacking), 3, 'and', 'alternatives that nothing installed fits');
        return `${text}, but none of its ${why.unmet.length.toLocaleString('en-US')} alternatives can be met: ${each} (${where(why.requirement)})`;
      }
      if (!why.option || !isEmptySet(why.option.set)) return text;
      return `${text}, but ${lacking(why.option)} (${where(why.requirement)})`;
    }
    case 'option': {
      if (isEmptySet(why.option.set)) return lacking(why.option);
      const term = fact.terms.get(why.option.name);
      const versions = term ? versionsText(describe(why.option.name).versions, term.set) : '';
      return `taking ${name(why.option.name)} for '${cutMiddle(why.requirement.text, 60)}' means ${name(why.option.name)} ${versions}`;
    }
    case 'unavailable':
      return `${name(why.name)} ${cutMiddle(why.version, 40)} ${cutMiddle(why.reason, 300)}`;
    case 'none':
      return `no version of ${name(why.name)} can be used`;
  }
}

/** A line none of whose choices anything installed meets (its sentence says why). */
const lacksAll = (why: Why): boolean =>
  why.kind === 'line' && (why.unmet !== undefined || (why.option !== undefined && isEmptySet(why.option.set)));

/** The whole derivation of a failure, a line each: what the run stops with (exit 120). */
export function explainFailure(terminal: Fact, describe: Describe): string {
  // A line of the program that nothing installed meets, against the run itself: that line and
  // what it lacks say it all, on one line.
  if (terminal.cause.kind === 'derived') {
    const { left, right } = terminal.cause;
    const [line, run] = ['program', 'root'].includes(whyOf(left).kind) ? [right, left] : [left, right];
    if (
      line.cause.kind === 'external' &&
      run.cause.kind === 'external' &&
      ['program', 'root'].includes(whyOf(run).kind) &&
      lacksAll(whyOf(line))
    )
      return sentence(line, describe);
  }
  const steps = derivationLines(terminal, describe, (fact) => sentence(fact as Fact, describe));
  return ['no choice of the installed versions fits:', ...indented(steps)].join('\n');
}

/**
 * What made `term` hold for package `pkg` before trail position `end`: its assignments from the
 * first on, up to the one after which the term held. A decision there is the reason by itself
 * (one version; nothing after it narrows the package further): the version it chose, with the
 * causes of what came before it. Otherwise the causes of those assignments.
 */
function holdsBecause(
  solution: PartialSolution<Why>,
  pkg: string,
  term: Term,
  end: number,
): { decided: number | undefined; causes: Fact[] } {
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
export function explainExclusion(
  solution: PartialSolution<Why>,
  pkg: string,
  index: number,
  describe: Describe,
): string | undefined {
  const pkgAt = (at: number) => solution.names[solution.idAt(at)];
  let at = 0;
  while (
    at < solution.length &&
    !(pkgAt(at) === pkg && solution.causeAt(at) !== undefined && !allows(solution.termAt(at), index))
  )
    at++;
  if (at === solution.length) return undefined;
  const rule = solution.causeAt(at) as Fact;
  const words: string[] = [];
  const facts: Fact[] = [];
  for (const [other, term] of rule.terms) {
    if (other === pkg) continue;
    const { decided, causes } = holdsBecause(solution, other, term, at);
    // The run and a line's choice among alternatives are decided too: for them, the lines that
    // brought them in say more than the decision.
    if (decided !== undefined && !describe(other).root && !describe(other).virtual)
      words.push(`${other} ${describe(other).versions[decided]} was chosen earlier`);
    else for (const cause of causes) facts.push(...leaves(cause));
  }
  // That the program being run is pinned goes without saying, unless `pkg` is that program.
  const said = (fact: Fact) => {
    const why = whyOf(fact);
    return why.kind === 'program' && why.name !== pkg ? '' : sentence(fact, describe);
  };
  const reasons = [...new Set([...words, ...facts.map(said).filter(Boolean)])];
  if (rule.cause.kind === 'external') {
    const all = [...new Set([...reasons, said(rule)].filter(Boolean))];
    return all.length > 0
      ? `ruled out: ${all.join('; ')}`
      : `ruled out (${name(pkg)} ${cutMiddle(describe(pkg).versions[index], 40)})`;
  }
  // A learned rule: its derivation, as a failure is told.
  const steps = derivationLines(rule, describe, (fact) => said(fact as Fact));
  return [
    reasons.length > 0 ? `ruled out: ${reasons.join('; ')}; and` : 'ruled out, because:',
    ...indented(steps),
  ].join('\n');
}
