// Runner's own exit codes (README "Exit codes"). The launched program's status is passed through
// untouched; these are only for Runner's own failures.
export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  unsatisfiable: 120,
  badMetadata: 121,
  view: 122,
  architecture: 123,
  usage: 125,
  cannotExecute: 126,
  notFound: 127,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: printed as one line on stderr, never as a stack trace. */
export class RunnerError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = 'RunnerError';
  }
}
