// Scripts that carry their dependencies in their header (issue 5):
//   #!/usr/bin/env Runner            (or `#!/usr/bin/env -S Runner -p`, or `#!/path/to/Runner`)
//   #!Runner interpreter sh          how to run the body (default sh; found on the view's PATH)
//   #!Runner dependency Greet >= 1.0, < 2.0     one Resources/Dependencies line each
// Directives are read only from the header: the comment lines right after the first line.
import { formatProblem, parseDependencies, type ParseOptions, type Requirement } from '../resolver/dependencies.js';
import { ExitCode, RunnerError } from '../base/errors.js';
import { isRunnerScript, readFirstLine } from './shebang.js';
import { displayPath, type FilePath } from '../base/file-path.js';
import { readHead } from '../base/file-head.js';

export interface ScriptHeader {
  interpreter: string[];
  requirements: Requirement[];
}

const HEAD_BYTES = 64 * 1024;

/** The header of a Runner script, or undefined when the file is not one. Throws on bad directives. */
export function readScriptHeader(file: FilePath, parseOptions: ParseOptions = {}): ScriptHeader | undefined {
  // Most commands are not Runner scripts: look at the first line before reading a header.
  if (!isRunnerScript(readFirstLine(file))) return undefined;
  const head = readHead(file, HEAD_BYTES)?.toString('utf8');
  if (head === undefined) return undefined;
  const lines = head.split('\n').map((l) => l.replace(/\r$/, ''));
  const name = displayPath(file);
  let interpreter = ['sh'];
  const requirements: Requirement[] = [];
  for (let i = 1; i < lines.length && lines[i].startsWith('#'); i++) {
    const line = lines[i];
    if (!line.startsWith('#!Runner')) continue;
    const where = `${name}:${i + 1}`;
    const match = /^#!Runner\s+(\S+)\s*(.*)$/.exec(line);
    if (!match)
      throw new RunnerError(
        `${where}: '${line}' names no directive (expected 'interpreter' or 'dependency')`,
        ExitCode.badMetadata,
      );
    const [, directive, argument] = match;
    if (directive === 'interpreter') {
      const words = argument.trim().split(/\s+/).filter(Boolean);
      if (words.length === 0) throw new RunnerError(`${where}: 'interpreter' needs a command`, ExitCode.badMetadata);
      interpreter = words;
    } else if (directive === 'dependency') {
      // Parsed as a Dependencies line, at the script's own line number.
      const parsed = parseDependencies('\n'.repeat(i) + argument, name, parseOptions);
      if (parsed.problems.length > 0) {
        const problem = parsed.problems[0];
        throw new RunnerError(
          formatProblem({ ...problem, column: problem.column + line.length - argument.length }),
          ExitCode.badMetadata,
        );
      }
      if (parsed.requirements.length === 0)
        throw new RunnerError(`${where}: 'dependency' needs a Dependencies line`, ExitCode.badMetadata);
      for (const item of parsed.requirements) requirements.push(item);
    } else {
      throw new RunnerError(
        `${where}: unknown directive '${directive}' (expected 'interpreter' or 'dependency')`,
        ExitCode.badMetadata,
      );
    }
  }
  return { interpreter, requirements };
}
