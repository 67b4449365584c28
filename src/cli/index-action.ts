// `Runner --index [--root DIR]`: build or refresh the Index from every program's Current.
import { buildIndex, unsafeForRoot } from '../index/builder.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import { goboPaths } from '../resolver/paths.js';
import { World } from '../resolver/programs.js';
import type { Options } from './options.js';
import { out, outText, warn } from '../base/output.js';
import { isHostRoot } from '../base/root-safety.js';

export async function indexAction(options: Options): Promise<number> {
  const world = new World(goboPaths(options.root));
  const unsafe = isHostRoot() && !options.trustTree ? unsafeForRoot(world.paths.index) : undefined;
  if (unsafe)
    throw new RunnerError(
      `${unsafe}; running as root, Runner does not write an Index another user could redirect (--trust-tree overrides)`,
      ExitCode.view,
    );
  const report = buildIndex(world);
  for (const conflict of report.conflicts) warn(conflict);
  if (options.json) {
    out(JSON.stringify(report));
  } else {
    if (options.verbose > 0) {
      for (const p of report.added) outText(`added    ${p}`);
      for (const p of report.updated) outText(`updated  ${p}`);
      for (const p of report.removed) outText(`removed  ${p}`);
    }
    outText(
      `${world.paths.index}: ${report.added.length} added, ${report.updated.length} updated, ${report.removed.length} removed, ${report.unchanged} unchanged, ${report.conflicts.length} conflicts`,
    );
  }
  return ExitCode.ok;
}
