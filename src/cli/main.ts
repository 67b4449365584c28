// Runner's entry point: parse options, dispatch to one action, turn expected failures into one
// line on stderr and a documented exit code. Heavy modules load only for the action that needs them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bootHooks } from '../base/boot-hooks.js';
import { packageRoot } from '../base/package-root.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import { parseOptions, resolveOptionsOf, type Options } from './options.js';
import { error, info, out, setQuiet, warn } from '../base/output.js';
import { chooseColour } from './colour.js';

async function resolveAction(options: Options): Promise<number> {
  const [target, dep] = options.rest;
  if (!target || (options.why && !dep))
    throw new RunnerError(
      options.why ? 'usage: Runner --why TARGET DEP' : 'usage: Runner --resolve TARGET',
      ExitCode.usage,
    );
  const { anyTarget } = await import('../run/target.js');
  const { exactWord } = await import('../base/raw-args.js');
  const { newWorld, resolveTarget } = await import('../run/resolve.js');

  const resolveOptions = resolveOptionsOf(options);
  const world = newWorld(resolveOptions);
  const run = resolveTarget(world, anyTarget(world, exactWord(options.rest, 0)), resolveOptions);
  run.warnings.forEach(warn);
  if (options.verbose > 0) run.notes().forEach(info);
  if (options.json && !options.why) out((await import('./resolution-json.js')).resolutionJson(run));
  else {
    const view = await import('./resolution-view.js');
    out(options.why ? view.explainChoice(run, dep) : view.resolutionTree(run));
  }
  return ExitCode.ok;
}

/** The version in package.json (the one `npm` installed). */
function version(): string {
  const file = path.join(packageRoot(), 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

type Action =
  | 'help'
  | 'version'
  | 'completion'
  | 'complete'
  | 'resolve'
  | 'check'
  | 'index'
  | 'desktop'
  | 'list'
  | 'rename'
  | 'kill'
  | 'enter'
  | 'launch';

/** What the options ask for (the first that applies, in this order). */
function actionOf(options: Options): Action {
  if (options.help) return 'help';
  if (options.version) return 'version';
  if (options.completion !== undefined) return 'completion';
  if (options.complete !== undefined) return 'complete';
  if (options.resolve || options.why) return 'resolve';
  if (options.check) return 'check';
  if (options.index) return 'index';
  if (options.desktop) return 'desktop';
  if (options.list) return 'list';
  if (options.rename) return 'rename';
  if (options.kill !== undefined) return 'kill';
  if (options.enter !== undefined) return 'enter';
  return 'launch';
}

async function dispatch(options: Options, action: Action): Promise<number> {
  switch (action) {
    case 'help':
      return ExitCode.ok;
    case 'version':
      out(`Runner ${version()}`);
      return ExitCode.ok;
    case 'completion':
      out((await import('./completion.js')).completionScript(options.completion as string));
      return ExitCode.ok;
    case 'complete':
      return (await import('./completion.js')).completeAction(options);
    case 'resolve':
      return resolveAction(options);
    case 'check':
      return (await import('./check.js')).checkAction(options);
    case 'index':
      return (await import('./index-action.js')).indexAction(options);
    case 'desktop':
      return (await import('./desktop-action.js')).desktopAction(options);
    case 'list':
      return (await import('./views-actions.js')).listAction(options);
    case 'rename':
      return (await import('./views-actions.js')).renameAction(options);
    case 'kill':
      if (options.rest.length > 0)
        throw new RunnerError(
          `unexpected words after --kill ${options.kill} (usage: Runner --kill NAME [--signal SIG])`,
          ExitCode.usage,
        );
      return (await import('./views-actions.js')).killAction(options);
    case 'enter':
      return (await import('./views-actions.js')).enterAction(options);
    case 'launch':
      if (options.rest.length === 0) throw new RunnerError('no command given (see Runner --help)', ExitCode.usage);
      return (await import('./launch.js')).launchAction(options);
  }
}

async function main(): Promise<void> {
  let code: number;
  try {
    if (process.env.RUNNER_ARGV_FD !== undefined) (await import('../base/raw-args.js')).takeHandedOverWords();
    const options = await parseOptions(process.argv.slice(2));
    const action = actionOf(options);
    if (!options.noCache) bootHooks()?.codeCacheFor(action);
    setQuiet(options.quiet);
    chooseColour(options.colour);
    code = await dispatch(options, action);
  } catch (caught) {
    if (caught instanceof RunnerError) {
      error(caught.message);
      code = caught.exitCode;
    } else {
      // A bug of ours: still one line, with where it happened, and the usage/internal code.
      const where = caught instanceof Error ? (caught.stack?.split('\n')[1]?.trim() ?? '') : '';
      error(`internal error: ${caught instanceof Error ? caught.message : String(caught)} ${where}`);
      code = ExitCode.usage;
    }
  }
  // A launch ends in exec instead (run/launch.ts saves the code cache there).
  bootHooks()?.saveCodeCache(code === ExitCode.ok);
  process.exitCode = code;
}

void main();
