// View names (issue 12). A name given to --name is one component; views nest, so a view is
// addressed by its full name, its components joined with '/' (`build/test`).
import { ExitCode, RunnerError } from '../base/errors.js';

const MAX_NAME_BYTES = 255;

/** Why `name` cannot be a view's name, if it cannot. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.includes('/')) return "contains '/' (a view started inside another is named after it on its own)";
  if (name === '.' || name === '..') return 'is . or ..';
  if (/[\x00-\x1f\x7f-\x9f]/.test(name)) return 'contains a control character';
  // Bytes that are not UTF-8 reach Node as U+FFFD, so that \xfe and \xff would be one name:
  // refused, as the names are compared as text (docs/named-views.md).
  if (name.includes('\uFFFD')) return 'contains bytes that are not UTF-8 (or U+FFFD)';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `is longer than ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

export function checkName(name: string): string {
  const problem = nameProblem(name);
  if (problem) throw new RunnerError(`view name '${name}' ${problem}`, ExitCode.usage);
  return name;
}

/** The components of a full name (`build/test`), each a valid name. */
export function splitFullName(full: string): string[] {
  const parts = full.split('/');
  for (const part of parts) {
    const problem = part.includes('/') ? undefined : nameProblem(part);
    if (problem) throw new RunnerError(`view name '${full}': '${part}' ${problem}`, ExitCode.usage);
  }
  return parts;
}

/**
 * A name read from a record that fails nameProblem (a record is its owner's to write: a forged
 * `"name":"daemon\u001b"` or one with a newline): shown and addressed escaped, so that it cannot
 * print a fake line or a terminal sequence, and root can still --kill it by this text (or its id).
 */
export function escapedName(name: string): string {
  const escaped = name.replace(/[\x00-\x1f\x7f-\x9f\\/\uFFFD]/g, (c) =>
    c === '\uFFFD' ? '\\ufffd' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  const cut = Buffer.byteLength(escaped) > MAX_NAME_BYTES ? `${escaped.slice(0, 120)}…` : escaped;
  return cut === '' ? '\\(empty)' : cut;
}
