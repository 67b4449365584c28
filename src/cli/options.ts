// Runner's command line (DESIGN.md §8). Options stop at the first non-option word, which is always
// the program: `Runner ls -la` passes `-la` to ls. Runner's own actions are options, never words.
import yargs from 'yargs';
import { ExitCode, RunnerError } from '../resolver/errors.js';

export interface Options {
  root?: string;
  arch?: string;
  dependencies: string[];
  quiet: boolean;
  verbose: number;
  check: boolean;
  strict: boolean;
  pure: boolean;
  fallback: boolean;
  noSourceEnv: boolean;
  noCleanup: boolean;
  noRemovedeps: boolean;
  dryRun: boolean;
  json: boolean;
  resolve: boolean;
  why: boolean;
  newest: boolean;
  ignoreMissing: boolean;
  index: boolean;
  desktop: boolean;
  remove: boolean;
  /** --help was given (yargs has printed the usage). */
  help: boolean;
  /** The first non-option word and everything after it, as given. */
  rest: string[];
}

const USAGE = `Runner [options] COMMAND [ARGS...]
Runner [options] --resolve TARGET | --why TARGET DEP | --check | --index | --desktop TARGET

Runs COMMAND in a private view of the System Index in which the program's dependencies, at the
versions its Resources/Dependencies ask for, stand on top. Options end at COMMAND.`;

export function parseOptions(argv: string[]): Options {
  let failure: string | undefined;
  const parsed = yargs(argv)
    .scriptName('Runner')
    .usage(USAGE)
    .parserConfiguration({
      'halt-at-non-option': true,
      'boolean-negation': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'populate--': false,
    })
    .option('root', { type: 'string', describe: 'GoboLinux tree root (DIR/Programs, DIR/System/Index)' })
    .option('arch', { alias: 'a', type: 'string', describe: 'wanted architecture (x86_64, i686, ...)' })
    .option('dependencies', { alias: 'd', type: 'string', array: false, describe: 'add a Dependencies file as top layers (repeatable)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print no warnings' })
    .option('verbose', { alias: 'v', type: 'count', describe: 'say what is chosen (-vv: and the plan)' })
    .option('check', { alias: 'c', type: 'boolean', default: false, describe: 'check what this kernel and user allow; exit 0/1' })
    .option('strict', { alias: 'S', type: 'boolean', default: false, describe: "a bare version in Dependencies means '=' (default '>=')" })
    .option('pure', { alias: 'p', type: 'boolean', default: false, describe: 'leave the real Index out of the view' })
    .option('fallback', { alias: 'f', type: 'boolean', default: false, describe: 'run without a view when it cannot be built' })
    .option('no-source-env', { alias: 'E', type: 'boolean', default: false, describe: 'do not apply Resources/Environment' })
    .option('no-cleanup', { alias: 'C', type: 'boolean', default: false, describe: 'keep the write layer on disk for inspection' })
    .option('no-removedeps', { alias: 'R', type: 'boolean', default: false, describe: "keep other versions' Index entries visible" })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print the mount plan, run nothing' })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' })
    .option('resolve', { type: 'boolean', default: false, describe: 'print the chosen versions of TARGET' })
    .option('why', { type: 'boolean', default: false, describe: 'explain the choice of DEP for TARGET' })
    .option('newest', { type: 'boolean', default: false, describe: 'always prefer the newest version (ignore Current)' })
    .option('ignore-missing', { type: 'boolean', default: false, describe: 'skip unsatisfiable dependencies with a warning' })
    .option('index', { type: 'boolean', default: false, describe: 'build or refresh <root>/System/Index' })
    .option('desktop', { type: 'boolean', default: false, describe: 'install .desktop files that start TARGET through Runner' })
    .option('remove', { type: 'boolean', default: false, describe: 'with --desktop: remove them again' })
    .strictOptions()
    .help('help')
    .alias('h', 'help')
    .version(false)
    .wrap(100)
    .exitProcess(false)
    .fail((message) => {
      failure = message;
    })
    .parseSync();
  if (failure) throw new RunnerError(`${failure} (see Runner --help)`, ExitCode.usage);
  const many = parsed.dependencies as unknown;
  return {
    root: parsed.root,
    arch: parsed.arch,
    dependencies: many === undefined ? [] : Array.isArray(many) ? many.map(String) : [String(many)],
    quiet: parsed.quiet,
    verbose: parsed.verbose,
    check: parsed.check,
    strict: parsed.strict,
    pure: parsed.pure,
    fallback: parsed.fallback,
    noSourceEnv: parsed['no-source-env'],
    noCleanup: parsed['no-cleanup'],
    noRemovedeps: parsed['no-removedeps'],
    dryRun: parsed['dry-run'],
    json: parsed.json,
    resolve: parsed.resolve,
    why: parsed.why,
    newest: parsed.newest,
    ignoreMissing: parsed['ignore-missing'],
    index: parsed.index,
    desktop: parsed.desktop,
    remove: parsed.remove,
    help: Boolean(parsed.help),
    rest: parsed._.map(String),
  };
}
