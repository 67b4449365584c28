import { ExitCode, RunnerError } from '../resolver/errors.js';
import type { Options } from './options.js';
export async function checkAction(_options: Options): Promise<number> {
  throw new RunnerError('--check is not built yet', ExitCode.usage);
}
