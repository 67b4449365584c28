import { ExitCode, RunnerError } from '../resolver/errors.js';
import type { Options } from './options.js';
export async function desktopAction(_options: Options): Promise<number> {
  throw new RunnerError('--desktop is not built yet', ExitCode.usage);
}
