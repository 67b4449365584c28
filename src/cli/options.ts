// Runner's command line. Options stop at the first non-option word, which is always the program:
// `Runner ls -la` passes `-la` to ls. Runner's own actions are options, never words.
//
// One table describes every option. Each run parses with yargs-parser, the engine yargs itself is
// built on and a fraction of its load time (docs/benchmarks.md); yargs proper is loaded only to print
// --help or to word a usage error, from the same table.
import fs from 'node:fs';
import parseArgs from 'yargs-parser';
import type { PlanOptions } from '../run/plan.js';
import type { ColourWhen } from './colour.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import { goboPaths } from '../resolver/paths.js';
import type { ResolveOptions } from '../run/resolve.js';
import { out } from '../base/output.js';

/** The parsed command line: what a launch's plan reads (PlanOptions), and the rest. */
export interface Options extends PlanOptions {
  root?: string;
  /** --aliens: the AlienVFS directory. */
  aliens?: string;
  arch?: string;
  dependencies: string[];
  with: string[];
  quiet: boolean;
  verbose: number;
  check: boolean;
  strict: boolean;
  json: boolean;
  resolve: boolean;
  why: boolean;
  newest: boolean;
  ignoreMissing: boolean;
  trustTree: boolean;
  noCache: boolean;
  list: boolean;
  enter?: string;
  kill?: string;
  signal?: string;
  rename: boolean;
  strictMetadata: boolean;
  index: boolean;
  desktop: boolean;
  remove: boolean;
  /** --color (--no-color is 'never'). */
  colour: ColourWhen;
  /** --completion SHELL: print that shell's completion script. */
  completion?: string;
  /** --complete KIND: the completion scripts' source of candidates. */
  complete?: string;
  /** --help was given (the usage has been printed). */
  help: boolean;
  version: boolean;
  /** The first non-option word and everything after it, as given. */
  rest: string[];
}

interface Spec {
  type: 'string' | 'boolean' | 'count' | 'strings';
  alias?: string;
  describe: string;
}

export const OPTIONS: Record<string, Spec> = {
  root: { type: 'string', describe: 'GoboLinux tree root (DIR/Programs, DIR/System/Index)' },
  aliens: { type: 'string', describe: 'AlienVFS: Manager:Module/Version/ directories (default <root>/Mount/AlienVFS)' },
  arch: { type: 'string', alias: 'a', describe: 'wanted architecture (x86_64, i686, ...)' },
  dependencies: { type: 'strings', alias: 'd', describe: 'add a Dependencies file as top layers (repeatable)' },
  with: { type: 'strings', describe: 'run COMMAND in the view of program NAME[/VERSION] (repeatable)' },
  quiet: { type: 'boolean', alias: 'q', describe: 'print no warnings' },
  verbose: { type: 'count', alias: 'v', describe: 'say what is chosen (-vv: and the plan)' },
  check: { type: 'boolean', alias: 'c', describe: 'check what this kernel and user allow; exit 0/1' },
  strict: { type: 'boolean', alias: 'S', describe: "a bare version in Dependencies means '=' (default '>=')" },
  pure: { type: 'boolean', alias: 'p', describe: 'leave the real Index out of the view' },
  fallback: { type: 'boolean', alias: 'f', describe: 'run without a view when it cannot be built' },
  'no-source-env': { type: 'boolean', alias: 'E', describe: 'do not apply Resources/Environment' },
  'no-cleanup': { type: 'boolean', alias: 'C', describe: 'keep the write layer on disk for inspection' },
  'no-removedeps': { type: 'boolean', alias: 'R', describe: "keep other versions' Index entries visible" },
  'dry-run': { type: 'boolean', describe: 'print the mount plan, run nothing' },
  json: { type: 'boolean', describe: 'machine-readable output' },
  resolve: { type: 'boolean', describe: 'print the chosen versions of TARGET' },
  why: { type: 'boolean', describe: 'explain the choice of DEP for TARGET' },
  newest: { type: 'boolean', describe: 'always prefer the newest version (ignore Current)' },
  'ignore-missing': { type: 'boolean', describe: 'skip unsatisfiable dependencies with a warning' },
  'trust-tree': { type: 'boolean', describe: 'as root, accept metadata that other users can write' },
  name: { type: 'string', describe: 'run COMMAND in the view named NAME (started, joined or grown)' },
  list: { type: 'boolean', describe: 'list the live named views as a tree (--json too)' },
  enter: { type: 'string', describe: 'run COMMAND (default $SHELL) inside the view NAME' },
  kill: { type: 'string', describe: 'end every process of the view NAME and of the views inside it' },
  signal: { type: 'string', describe: 'with --kill: the signal (default TERM, then KILL after 5 s)' },
  rename: { type: 'boolean', describe: 'rename the view OLD to NEW (views inside it follow)' },
  'no-cache': { type: 'boolean', describe: 'plan afresh, and keep no plan for next time (also RUNNER_NO_CACHE=1)' },
  'strict-metadata': { type: 'boolean', describe: 'malformed Dependencies lines are errors, not warnings' },
  index: { type: 'boolean', describe: 'build or refresh <root>/System/Index' },
  desktop: { type: 'boolean', describe: 'install .desktop files that start TARGET through Runner' },
  remove: { type: 'boolean', describe: 'with --desktop: remove them again' },
  color: { type: 'string', describe: 'colour: auto (on a terminal, the default), always or never' },
  'no-color': { type: 'boolean', describe: 'no colour (as --color=never, or NO_COLOR=1)' },
  completion: { type: 'string', describe: 'print the completion script for bash, zsh or fish' },
  complete: { type: 'string', describe: 'print candidates of KIND (programs, versions, views) for completion scripts' },
  help: { type: 'boolean', alias: 'h', describe: "show this help (after an action: that action's options)" },
  version: { type: 'boolean', describe: "print Runner's version" },
};

const USAGE = `Runner [options] COMMAND [ARGS...]           run COMMAND in its view
Runner --with NAME[/VERSION] COMMAND [ARGS...]  run COMMAND in a program's view
Runner --resolve TARGET                        the chosen versions, as a tree
Runner --why TARGET DEP                        why DEP got the version it got
Runner --check                                 what this kernel and user allow
Runner --dry-run COMMAND [ARGS...]             the mount plan, nothing run
Runner --index                                 build or refresh the Index
Runner --desktop [--remove] TARGET             menu entries through Runner
Runner --name NAME COMMAND [ARGS...]           run COMMAND in the named view
Runner --list | --enter NAME [COMMAND...] | --kill NAME [--signal SIG] | --rename OLD NEW
Runner --completion bash|zsh|fish | --version

Runs COMMAND in a private view of the System Index in which the program's dependencies, at the
versions its Resources/Dependencies ask for, stand on top. Options end at COMMAND; after an
action, --help shows that action's options.`;

const EPILOGUE = `Exit codes: the program's own when it ran; 1 --check found something missing; 120 dependencies
cannot be satisfied; 121 bad metadata; 122 the view cannot be built; 123 architecture; 125 usage
or internal error; 126 cannot execute; 127 not found.

Examples:
  Runner bash                       bash with the versions its program asks for
  Runner --why Firefox GTK+         why Firefox gets the GTK+ it gets
  Runner --root ~/gobo app          a GoboLinux tree in your home directory

man Runner has the whole story.`;

const CONFIGURATION = {
  'halt-at-non-option': true,
  'boolean-negation': false,
  'parse-numbers': false,
  'parse-positional-numbers': false,
  'camel-case-expansion': false,
  'strip-aliased': true,
  'dot-notation': false,
  'duplicate-arguments-array': true,
} as const;

/** Actions that launch nothing take their options anywhere, and this many words. */
const WORDS: Record<string, [min: number, max: number, usage: string]> = {
  why: [2, 2, 'Runner --why TARGET DEP'],
  resolve: [1, 1, 'Runner --resolve TARGET'],
  desktop: [1, 1, 'Runner --desktop [--remove] TARGET'],
  index: [0, 0, 'Runner --index'],
  check: [0, 0, 'Runner --check'],
  version: [0, 0, 'Runner --version'],
  list: [0, 0, 'Runner --list [--json]'],
  rename: [2, 2, 'Runner --rename OLD NEW'],
  completion: [0, 0, 'Runner --completion bash|zsh|fish'],
  complete: [0, 0, 'Runner --complete programs|versions|views'],
};

/** Every option that is an action of its own (a launch is none of them). */
const ACTIONS = [...Object.keys(WORDS), 'kill', 'enter'];

/** The usage line of each action, for its own --help. */
const ACTION_USAGE: Record<string, string> = {
  ...Object.fromEntries(Object.entries(WORDS).map(([key, [, , usage]]) => [key, usage])),
  launch: 'Runner [options] COMMAND [ARGS...]',
  kill: 'Runner --kill NAME [--signal SIG]',
  enter: 'Runner --enter NAME [COMMAND [ARGS...]]',
};

/** Closed sets of values. */
export const VALUES: Record<string, readonly string[]> = {
  color: ['auto', 'always', 'never'],
  completion: ['bash', 'zsh', 'fish'],
  complete: ['programs', 'versions', 'views'],
};

// The options that only some actions read, and those actions (the others apply to every action).
// Given with another action they would be dropped unsaid (`--desktop -p App` writes entries that
// run without -p), so that is a usage error.
const RESOLVING = ['launch', 'resolve', 'why'];
const LAUNCH = ['launch'];
const ONLY_WITH: Record<string, readonly string[]> = {
  arch: RESOLVING,
  aliens: RESOLVING,
  dependencies: RESOLVING,
  with: RESOLVING,
  strict: RESOLVING,
  newest: RESOLVING,
  'ignore-missing': RESOLVING,
  'strict-metadata': RESOLVING,
  pure: LAUNCH,
  fallback: LAUNCH,
  'no-source-env': LAUNCH,
  'no-cleanup': LAUNCH,
  'no-removedeps': LAUNCH,
  'dry-run': LAUNCH,
  name: LAUNCH,
  json: ['resolve', 'check', 'index', 'list', 'launch'],
  signal: ['kill'],
  remove: ['desktop'],
};

/** Why an option given does nothing with `action`, if one does. */
function misplacedOption(a: Record<string, unknown>, action: string): string | undefined {
  if (action === 'version') return undefined;
  for (const [key, actions] of Object.entries(ONLY_WITH)) {
    const value = a[key];
    if (value === undefined || value === false || (Array.isArray(value) && value.length === 0)) continue;
    if (actions.length === 1 && actions[0] !== 'launch') {
      if (action !== actions[0]) return `--${key} goes with --${actions[0]}`;
    } else if (!actions.includes(action)) {
      return `--${key} does nothing with --${action}${actions === LAUNCH ? ' (it shapes the view of a launch)' : ''}`;
    }
  }
  // A launch prints JSON only for --dry-run; it runs the command otherwise.
  if (action === 'launch' && a.json === true && a['dry-run'] !== true)
    return '--json goes with --dry-run, --resolve, --check, --index or --list';
  return undefined;
}

function parserOptions(haltAtWord = true): parseArgs.Options {
  const of = (type: Spec['type']) => Object.keys(OPTIONS).filter((k) => OPTIONS[k].type === type);
  return {
    string: [...of('string'), ...of('strings')],
    boolean: of('boolean'),
    count: of('count'),
    alias: Object.fromEntries(
      Object.entries(OPTIONS)
        .filter(([, s]) => s.alias)
        .map(([k, s]) => [k, [s.alias as string]]),
    ),
    configuration: { ...CONFIGURATION, 'halt-at-non-option': haltAtWord },
  };
}

/** yargs proper, from the same table: for --help and for the words of a usage error. */
async function fullYargs(argv: string[]) {
  const { default: yargs } = await import('yargs');
  // yargs' own --version is off: ours is an option of the table like the others.
  let parser = yargs(argv).scriptName('Runner').usage(USAGE).parserConfiguration(CONFIGURATION).version(false);
  for (const [key, spec] of Object.entries(OPTIONS)) {
    if (key === 'help') continue;
    const type = spec.type === 'strings' ? 'string' : spec.type;
    parser = parser.option(key, { alias: spec.alias, type, describe: spec.describe });
  }
  return parser.strictOptions().help('help').alias('h', 'help').epilogue(EPILOGUE).wrap(100).exitProcess(false);
}

/** The options an action reads: those of every action, and those ONLY_WITH gives it. */
function optionsOf(action: string): string[] {
  const actionKeys = new Set([...ACTIONS, 'help', 'version']);
  return Object.keys(OPTIONS).filter((key) => {
    if (key === action || key === 'help') return true;
    if (actionKeys.has(key) || key === 'complete') return false;
    const only = ONLY_WITH[key];
    return only === undefined || only.includes(action);
  });
}

/** `Runner ACTION --help`: the action's usage and the options it reads, from the one table. */
export function actionHelp(action: string): string {
  const lines = optionsOf(action).map((key) => {
    const spec = OPTIONS[key];
    const value = spec.type === 'string' || spec.type === 'strings' ? ` ${key === 'color' ? 'WHEN' : 'VALUE'}` : '';
    const names = `${spec.alias ? `-${spec.alias}, ` : '    '}--${key}${value}`;
    return `  ${names.padEnd(30)} ${spec.describe}`;
  });
  return `${ACTION_USAGE[action]}\n\n${OPTIONS[action]?.describe ?? 'run COMMAND in its view'}\n\nOptions:\n${lines.join('\n')}`;
}

/** Edit distance with a swap of two neighbours as one edit (optimal string alignment), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/** The option nearest to an unknown one, when it is near enough to be what was meant. */
export function nearestOption(typed: string): string | undefined {
  const name = typed.replace(/^-+/, '');
  let best: [string, number] | undefined;
  for (const key of Object.keys(OPTIONS)) {
    if (key === 'complete') continue;
    const distance = editDistance(name, key);
    if (!best || distance < best[1]) best = [key, distance];
  }
  return best && best[1] <= Math.max(1, Math.floor(name.length / 3)) ? `--${best[0]}` : undefined;
}

/** An option word that the table does not know, as it was typed. */
function unknownOption(argv: readonly string[], parsedKeys: readonly string[]): string | undefined {
  const unknown = new Set(parsedKeys.filter((k) => k !== '_' && !known.has(k)));
  if (unknown.size === 0) return undefined;
  for (const word of argv) {
    if (word === '--') break;
    const long = /^--([^=]+)/.exec(word)?.[1];
    if (long !== undefined && unknown.has(long)) return `--${long}`;
    if (long === undefined && /^-[^-]/.test(word) && [...word.slice(1)].some((c) => unknown.has(c)))
      return `-${[...word.slice(1)].find((c) => unknown.has(c))}`;
  }
  return `--${[...unknown][0]}`;
}

function unknownOptionError(typed: string): never {
  const near = nearestOption(typed);
  throw new RunnerError(
    `unknown option ${typed}${near ? `; did you mean ${near}?` : ''} (see Runner --help)`,
    ExitCode.usage,
  );
}

async function usageError(argv: string[]): Promise<never> {
  let message = 'bad options';
  const parser = await fullYargs(argv);
  parser.fail((m) => {
    message = m;
  });
  parser.showHelpOnFail(false).parseSync();
  throw new RunnerError(`${message} (see Runner --help)`, ExitCode.usage);
}

const known = new Set(Object.entries(OPTIONS).flatMap(([k, s]) => (s.alias ? [k, s.alias] : [k])));

/** Options whose value is a view name, which may start with '-' (`--name -x`). */
const VIEW_NAMED = new Set(['--name', '--enter', '--kill']);

/**
 * `--name -x` as `--name=-x`, so that the parser takes `-x` as the name, not as an option, and
 * `--resolve=App` as `--resolve App`, as any option's value may be given (`--root=DIR`). Only
 * among the options: the first word that is no option and no option's value is COMMAND (or an
 * action's word), and what follows it is left as it is.
 */
export function joinNameValues(argv: readonly string[]): string[] {
  const takesValue = new Set(
    Object.entries(OPTIONS)
      .filter(([, s]) => s.type === 'string' || s.type === 'strings')
      .flatMap(([k, s]) => [`--${k}`, ...(s.alias ? [`-${s.alias}`] : [])]),
  );
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--' || !word.startsWith('-') || word === '-') return [...out, ...argv.slice(i)];
    // An action's first word given as its value: that word ends the options, as it would standing alone.
    const action = /^--(resolve|why|desktop|rename)=(.*)$/s.exec(word);
    if (action) return [...out, `--${action[1]}`, action[2], ...argv.slice(i + 1)];
    if (VIEW_NAMED.has(word) && i + 1 < argv.length) {
      out.push(`${word}=${argv[++i]}`);
      continue;
    }
    out.push(word);
    if (takesValue.has(word) && i + 1 < argv.length) out.push(argv[++i]);
  }
  return out;
}

export async function parseOptions(given: string[]): Promise<Options> {
  const argv = joinNameValues(given);
  let parsed = parseArgs.detailed(argv, parserOptions());
  const typed = unknownOption(argv, Object.keys(parsed.argv));
  if (typed) unknownOptionError(typed);
  if (parsed.error) await usageError(argv);
  // Options end at COMMAND only for a launch: `Runner --resolve App --json` means --json.
  const action = Object.keys(WORDS).find((key) => parsed.argv[key] === true);
  if (action) {
    parsed = parseArgs.detailed(argv, parserOptions(false));
    const late = unknownOption(argv, Object.keys(parsed.argv));
    if (late) unknownOptionError(late);
    if (parsed.error) await usageError(argv);
    const words = parsed.argv._.map(String);
    const [min, max, usage] = WORDS[action];
    if (words.length > max)
      throw new RunnerError(
        `unexpected ${words.length - max === 1 ? 'word' : 'words'} ${words
          .slice(max)
          .map((w) => `'${w}'`)
          .join(' ')} (usage: ${usage})`,
        ExitCode.usage,
      );
    if (words.length < min && !parsed.argv.help) throw new RunnerError(`usage: ${usage}`, ExitCode.usage);
  }
  const a = parsed.argv as Record<string, unknown> & { _: (string | number)[] };
  for (const key of ['root', 'aliens', 'arch', 'name', 'enter', 'kill', 'signal', 'color', 'completion', 'complete']) {
    if (Array.isArray(a[key])) throw new RunnerError(`--${key} was given more than once`, ExitCode.usage);
    if (a[key] === '') throw new RunnerError(`--${key} needs a value`, ExitCode.usage);
  }
  for (const key of ['dependencies', 'with'])
    if ([a[key] ?? []].flat().includes('')) throw new RunnerError(`--${key} needs a value`, ExitCode.usage);
  for (const [key, values] of Object.entries(VALUES))
    if (typeof a[key] === 'string' && !values.includes(a[key] as string))
      throw new RunnerError(`--${key} takes ${values.join(', ')}, not '${a[key]}'`, ExitCode.usage);
  // Two actions at once (`--index --resolve App`) would do one and drop the other unsaid.
  const actions = ACTIONS.filter(
    (key) => a[key] !== undefined && a[key] !== false && !(key === 'resolve' && a.why === true),
  );
  if (actions.length > 1)
    throw new RunnerError(`--${actions[0]} and --${actions[1]} are two actions; give one`, ExitCode.usage);
  if (a.help) {
    const action = a.why === true ? 'why' : actions[0];
    out(action ? actionHelp(action) : await (await fullYargs([])).getHelp());
  }
  const misplaced = misplacedOption(a, actions[0] ?? 'launch');
  if (misplaced) throw new RunnerError(misplaced, ExitCode.usage);
  // A mistyped --root would otherwise show up as "command not found" or an empty answer
  // (--check says what is missing among its own findings).
  const rootProblem = typeof a.root === 'string' && a.check !== true ? directoryProblem(a.root) : undefined;
  if (rootProblem) throw new RunnerError(`--root ${a.root}: ${rootProblem}`, ExitCode.usage);
  const flag = (key: string) => a[key] === true;
  return {
    root: a.root as string | undefined,
    aliens: a.aliens as string | undefined,
    arch: a.arch as string | undefined,
    // A repeated string option arrives as an array ('duplicate-arguments-array'); arrays proper
    // would swallow the command words after -d FILE.
    dependencies: [a.dependencies ?? []].flat().map(String),
    with: [a.with ?? []].flat().map(String),
    quiet: flag('quiet'),
    verbose: Number(a.verbose ?? 0),
    check: flag('check'),
    strict: flag('strict'),
    pure: flag('pure'),
    fallback: flag('fallback'),
    noSourceEnv: flag('no-source-env'),
    noCleanup: flag('no-cleanup'),
    noRemovedeps: flag('no-removedeps'),
    dryRun: flag('dry-run'),
    json: flag('json'),
    resolve: flag('resolve'),
    why: flag('why'),
    newest: flag('newest'),
    ignoreMissing: flag('ignore-missing'),
    trustTree: flag('trust-tree'),
    noCache: flag('no-cache'),
    name: a.name as string | undefined,
    list: flag('list'),
    enter: a.enter as string | undefined,
    kill: a.kill as string | undefined,
    signal: a.signal as string | undefined,
    rename: flag('rename'),
    strictMetadata: flag('strict-metadata'),
    index: flag('index'),
    desktop: flag('desktop'),
    remove: flag('remove'),
    colour: flag('no-color') ? 'never' : ((a.color as ColourWhen | undefined) ?? 'auto'),
    completion: a.completion as string | undefined,
    complete: a.complete as string | undefined,
    help: flag('help'),
    version: flag('version'),
    rest: a._.map(String),
  };
}

/** What the resolver needs from the command line. */
export function resolveOptionsOf(options: Options): ResolveOptions {
  return {
    paths: goboPaths(options.root, process.env, options.aliens),
    arch: options.arch,
    dependencyFiles: options.dependencies,
    withPrograms: options.with,
    strict: options.strict,
    pure: options.pure,
    preferNewest: options.newest,
    ignoreMissing: options.ignoreMissing,
    trustTree: options.trustTree,
    strictMetadata: options.strictMetadata,
  };
}

function directoryProblem(dir: string): string | undefined {
  try {
    return fs.statSync(dir).isDirectory() ? undefined : 'not a directory';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such directory' : `cannot be reached (${code ?? String(error)})`;
  }
}
