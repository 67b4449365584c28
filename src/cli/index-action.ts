import { ExitCode, RunnerError } from '../resolver/errors.js';
import type { Options } from './options.js';
export async function indexAction(_options: Options): Promise<number> {
  throw new RunnerError('--index is not built yet', ExitCode.usage);
}
