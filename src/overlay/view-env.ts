// The launched program's environment, as operations on the caller's (addon/env-ops.h): the view's
// Index first on PATH and LD_LIBRARY_PATH, GOBOLINUX_RUNNER=1, and each layer's
// Resources/Environment in layer order, top first: dependencies before the program, so that a
// program's file can build on its dependencies' variables (`export PATH=$JAVA_HOME/bin:$PATH`)
// and has the last word.
import path from 'node:path';
import { ExitCode, RunnerError } from '../base/errors.js';
import { readMetadataFile, type ReadPolicy } from '../resolver/metadata-file.js';
import { DEFAULT_SEARCH_PATH } from '../base/file-path.js';
import { compileEnvironment, type EnvOp, type EnvProblem } from './environment.js';

export function viewEnvironment(
  index: string,
  environmentFilesInLayerOrder: readonly string[],
  policy?: ReadPolicy,
): { ops: EnvOp[]; problems: EnvProblem[] } {
  const ops: EnvOp[] = [
    // runner-front's record of our caller is for the executor, not for the program.
    { kind: 'unset', name: 'RUNNER_CALLER_STATE' },
    // A caller without PATH gets exec's default behind the Index, not the Index alone: what the
    // program would have searched without Runner stays on its PATH.
    {
      kind: 'set',
      name: 'PATH',
      origin: 'Runner',
      parts: [{ variable: 'PATH', operator: '-', word: [{ text: DEFAULT_SEARCH_PATH }] }],
    },
    { kind: 'prepend', name: 'PATH', dirs: [path.join(index, 'bin')] },
    { kind: 'prepend', name: 'LD_LIBRARY_PATH', dirs: [path.join(index, 'lib'), path.join(index, 'lib64')] },
    { kind: 'set', name: 'GOBOLINUX_RUNNER', origin: 'Runner', parts: [{ text: '1' }] },
  ];
  const problems: EnvProblem[] = [];
  for (const file of environmentFilesInLayerOrder) {
    // The file is Programs/<Name>/<Version>/Resources/Environment: checked up to Programs/<Name>.
    const read = readMetadataFile(file, policy, path.dirname(path.dirname(path.dirname(file))), true);
    if (read.kind === 'bad') throw new RunnerError(`${file}: ${read.message}`, ExitCode.badMetadata);
    if (read.kind === 'absent') continue;
    const result = compileEnvironment(read.bytes.toString('utf8'), file);
    for (const item of result.ops) ops.push(item);
    for (const item of result.problems) problems.push(item);
  }
  return { ops, problems };
}
