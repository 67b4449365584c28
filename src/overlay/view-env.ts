// The launched program's environment: the caller's, with the view's Index first on PATH and
// LD_LIBRARY_PATH, GOBOLINUX_RUNNER=1, and each layer's Resources/Environment applied in layer
// order, top first: dependencies before the program, so that a program's file can build on its
// dependencies' variables (`export PATH=$JAVA_HOME/bin:$PATH`) and has the last word.
import path from 'node:path';
import { ExitCode, RunnerError } from '../resolver/errors.js';
import { readMetadataFile, type ReadPolicy } from '../resolver/metadata-file.js';
import { applyEnvironment, type EnvProblem } from './environment.js';

function prepend(dirs: string[], existing: string | undefined): string {
  return [...dirs, ...(existing ?? '').split(':').filter(Boolean)].join(':');
}

export function viewEnvironment(
  base: NodeJS.ProcessEnv,
  index: string,
  environmentFilesInLayerOrder: readonly string[],
  policy?: ReadPolicy,
): { env: [string, string][]; problems: EnvProblem[] } {
  let env = new Map(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
  // runner-front's record of our caller is for the executor, not for the program.
  env.delete('RUNNER_CALLER_STATE');
  env.set('PATH', prepend([path.join(index, 'bin')], env.get('PATH')));
  env.set('LD_LIBRARY_PATH', prepend([path.join(index, 'lib'), path.join(index, 'lib64')], env.get('LD_LIBRARY_PATH')));
  env.set('GOBOLINUX_RUNNER', '1');
  const problems: EnvProblem[] = [];
  for (const file of environmentFilesInLayerOrder) {
    // The file is Programs/<Name>/<Version>/Resources/Environment: checked up to Programs/<Name>.
    const read = readMetadataFile(file, policy, path.dirname(path.dirname(path.dirname(file))));
    if (read.kind === 'bad') throw new RunnerError(`${file}: ${read.message}`, ExitCode.badMetadata);
    if (read.kind === 'absent') continue;
    const result = applyEnvironment(read.bytes.toString('utf8'), file, env);
    env = result.env;
    problems.push(...result.problems);
  }
  return { env: [...env], problems };
}
