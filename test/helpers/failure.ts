// The RunnerError a call ends in (a test fails when it ends otherwise).
import { RunnerError } from '../../src/base/errors.js';

export function failure(fn: () => unknown): RunnerError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RunnerError) return error;
    throw error;
  }
  throw new Error('expected a RunnerError');
}
