// `Runner [options] COMMAND [ARGS...]`: the launch as the user asked for it (run/launch.ts does
// the work); what -v and --dry-run show is printed here.
import { ExitCode } from '../base/errors.js';
import { info, out, outText } from '../base/output.js';
import { corruptEntry } from '../cache/entry.js';
import { planJson, planText } from '../overlay/serialize.js';
import { cacheable, launchWords, planAndCache, planLaunch, startPlan, type LaunchOptions } from '../run/launch.js';
import { versionsOf, viewEnvOf } from '../run/plan.js';
import type { ResolvedRun } from '../run/resolve.js';
import { checkName } from '../views/names.js';
import { resolveOptionsOf, type Options } from './options.js';

/** What -v tells before the launch. */
function tellRun(run: ResolvedRun): void {
  const deps = run.dependencies.map((d) => `${d.name} ${d.version}`).join(', ') || 'no dependencies';
  const program = run.program ? `${run.program.name} ${run.program.version}` : run.target.via;
  info(`${program} (${run.architecture}, from ${run.archSource}) with ${deps}`);
  run.notes().forEach((note) => info(note));
  if (run.archLayers.length > 0)
    info(`${run.architecture} layers added: ${run.archLayers.map((d) => `${d.name} ${d.version}`).join(', ')}`);
}

export async function launchAction(cli: Options): Promise<number> {
  const options: LaunchOptions = { ...cli, resolve: resolveOptionsOf(cli) };
  const { words, argv } = launchWords(options);
  // The plan cache's key: Runner's words and the command word, not the command's arguments.
  const key = words.slice(0, words.length - argv.length + 1);
  if (cacheable(options)) return startPlan(planAndCache(options, key, argv));
  // A view name that can never be used is a usage error, whatever the tree holds.
  if (options.name !== undefined) checkName(options.name);
  const { run, plan } = planLaunch(options, argv);
  if (options.verbose > 0) {
    // The entry this launch would use without -v: its words without the -v.
    const corrupt = corruptEntry(key.filter((w) => !/^(-v+|--verbose)$/.test(Buffer.from(w).toString('latin1'))));
    if (corrupt) info(corrupt);
    tellRun(run);
    if (options.verbose > 1) info(planText(plan, viewEnvOf(plan.envOps)));
  }
  if (options.dryRun) {
    const env = viewEnvOf(plan.envOps);
    if (cli.json) out(planJson(plan, env));
    else outText(planText(plan, env));
    return ExitCode.ok;
  }
  if (options.name !== undefined) {
    const { namedLaunch } = await import('../run/named-launch.js');
    return namedLaunch(options.name, plan, run, versionsOf(run));
  }
  return startPlan(plan);
}
