import { ExitCode, RunnerError } from '../resolver/errors.js';
import type { Options } from './options.js';
export async function launchAction(_options: Options): Promise<number> {
  throw new RunnerError('launching is not built yet', ExitCode.usage);
}
