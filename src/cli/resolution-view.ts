// Printing a resolution for people: the tree (colour as colour.ts decides)
// and the --why explanation. The JSON record is in resolution-json.ts, which needs no chalk.
// Every name, version, line and path comes from the tree: each is escaped (output.ts) before it
// is coloured, so that only chalk's own sequences reach the terminal.
import { painter } from './painter.js';

const chalk = painter();
import type { Choice } from '../resolver/solver.js';
import type { ResolvedRun } from '../run/resolve.js';
import { escapeControls as e } from '../base/output.js';

function label(name: string, version: string): string {
  return `${chalk.bold(e(name))} ${chalk.green(e(version))}`;
}

/** A tree by first requester: each dependency hangs under whoever asked for it first. */
export function resolutionTree(run: ResolvedRun): string {
  const children = new Map<string, Choice[]>();
  for (const choice of run.dependencies) {
    const parent = choice.demands[0]?.by ?? '';
    children.set(parent, [...(children.get(parent) ?? []), choice]);
  }
  const lines: string[] = [];
  const walk = (key: string, prefix: string) => {
    const list = children.get(key) ?? [];
    list.forEach((choice, i) => {
      const last = i === list.length - 1;
      const also = [...new Set(choice.demands.slice(1).map((d) => d.by))];
      const note = also.length ? chalk.dim(`  (also ${e(also.join(', '))})`) : '';
      lines.push(
        `${prefix}${last ? '└─ ' : '├─ '}${label(choice.name, choice.version)}  ${chalk.dim(e(choice.demands[0].requirement.text))}${note}`,
      );
      walk(`${choice.name} ${choice.version}`, prefix + (last ? '   ' : '│  '));
    });
  };
  const roots = [...children.keys()].filter((k) => !run.dependencies.some((c) => `${c.name} ${c.version}` === k));
  if (run.program)
    lines.push(
      `${label(run.program.name, run.program.version)}  ${chalk.dim(e(run.program.path))}  ${chalk.cyan(e(run.architecture))}`,
    );
  else lines.push(`${e(run.target.via)}  ${chalk.cyan(e(run.architecture))}`);
  for (const root of roots) {
    if (!run.program || root !== `${run.program.name} ${run.program.version}`) lines.push(chalk.dim(e(root)));
    walk(root, '');
  }
  if (run.dependencies.length === 0) lines.push(chalk.dim('(no dependencies)'));
  if (run.archLayers.length > 0)
    lines.push(
      chalk.dim(`+ ${e(run.architecture)} layers: `) + run.archLayers.map((d) => label(d.name, d.version)).join(', '),
    );
  return lines.join('\n');
}

/** How many requirements and versions `--why` tells: a tree may hold thousands of each. */
const WHY_SHOWN = 20;

const more = (count: number, what: string) => `… and ${count.toLocaleString('en-US')} ${what} not shown`;

/**
 * `--why TARGET DEP`: who asked for DEP, and why each installed version was or was not taken —
 * from what the solver derived, not from the constraints alone.
 */
export function explainChoice(run: ResolvedRun, name: string): string {
  const lower = name.toLowerCase();
  const choice =
    run.dependencies.find((c) => c.name === name) ??
    run.dependencies.find((c) => c.name.toLowerCase() === lower) ??
    (run.program?.name === name ? undefined : null);
  if (choice === undefined) return e(`${name} ${run.program?.version} is the program itself.`);
  if (choice === null)
    return e(
      `${name} is not among ${run.program ? `${run.program.name} ${run.program.version}` : run.target.via}'s dependencies.`,
    );
  const lines = [`${label(choice.name, choice.version)} was chosen.`];
  for (const d of choice.demands.slice(0, WHY_SHOWN)) {
    const via = d.name !== d.alternative.name ? ` (as ${d.name}, from CompatibilityList)` : '';
    lines.push(
      `  ${e(`required by ${d.by}: ${d.requirement.text}${via}`)}  ${chalk.dim(e(`${d.requirement.file}:${d.requirement.line}`))}`,
    );
  }
  if (choice.demands.length > WHY_SHOWN) lines.push(`  ${more(choice.demands.length - WHY_SHOWN, 'requirements')}`);
  const program = run.world.program(choice.name);
  const versions = program?.versions ?? [];
  // The newest, and always the chosen one and Current, which say the most.
  const shown = versions.filter((v, n) => n < WHY_SHOWN || v === choice.version || v === program?.current);
  for (const version of shown) {
    const notes: string[] = [];
    if (version === program?.current) notes.push('Current');
    notes.push(version === choice.version ? 'chosen' : run.whyNot(choice.name, version));
    // A version ruled out by a learned fact comes with its derivation, a line a step.
    const [first, ...steps] = `${version}: ${notes.join(', ')}`.split('\n');
    lines.push(`  ${e(first)}`, ...steps.map((step) => `  ${e(step)}`));
  }
  if (versions.length > shown.length) lines.push(`  ${more(versions.length - shown.length, 'older versions')}`);
  return lines.join('\n');
}
