// `Runner --desktop TARGET` and `Runner --desktop --remove TARGET`.
import path from 'node:path';
import { packageRoot } from '../base/package-root.js';
import { applicationsDir, desktopSources, installDesktop, removeDesktop } from '../desktop/install.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import { goboPaths } from '../resolver/paths.js';
import { World } from '../resolver/programs.js';
import type { Options } from './options.js';
import { info, outText } from '../base/output.js';
import { refuseOtherUsersDirectory } from '../base/xdg.js';

/** How the written Exec lines start Runner: this very installation, with the same --root. */
function runnerWords(options: Options): string[] {
  // `Runner` as installed: the native front (bin/Runner), so a menu launch takes the plan cache.
  const front = path.join(packageRoot(), 'bin/Runner');
  return [front, ...(options.root ? ['--root', goboPaths(options.root).root] : [])];
}

export async function desktopAction(options: Options): Promise<number> {
  const target = options.rest[0];
  if (!target || options.rest.length > 1)
    throw new RunnerError('usage: Runner --desktop [--remove] TARGET', ExitCode.usage);
  const sources = desktopSources(new World(goboPaths(options.root)), target);
  const dir = applicationsDir();
  refuseOtherUsersDirectory(dir, ExitCode.view);
  if (options.remove) {
    const removed = removeDesktop(sources, dir);
    for (const r of removed) outText(`removed ${r.written}`);
    if (removed.length === 0) outText(`nothing of ${target} to remove in ${dir}`);
  } else {
    const note = options.verbose > 0 ? info : undefined;
    for (const w of installDesktop(sources, runnerWords(options), dir, note))
      outText(`wrote ${w.written} (from ${w.source})`);
  }
  return ExitCode.ok;
}
