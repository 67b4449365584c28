// The Exec key of the Desktop Entry Specification ("The Exec key"): a string value (general
// escapes \s \n \t \r \\ applied first), then split into arguments where reserved characters
// must be inside double quotes, and inside quotes " ` $ \ are escaped with a backslash. Field
// codes (%f %F %u %U %i %c %k ...) are whole arguments and are kept as written, as is %%.

const RESERVED = /[\s"'\\><~|&;$*?#()`]/;
const QUOTED_ESCAPES = '"`$\\';
export const FIELD_CODE = /^%[fFuUdDnNickvm]$/;

export class ExecError extends Error {}

export function unescapeString(value: string): string {
  return value.replace(
    /\\([sntr\\])/g,
    (_, c: string) => ({ s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' })[c] as string,
  );
}

export function escapeString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}

/** Splits an (already string-unescaped) Exec value into its arguments. */
export function splitExec(text: string): string[] {
  const args: string[] = [];
  let current: string | undefined;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      if (current !== undefined) args.push(current);
      current = undefined;
      i++;
    } else if (c === '"') {
      current ??= '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && QUOTED_ESCAPES.includes(text[i + 1] ?? '')) i++;
        current += text[i++];
      }
      if (i >= text.length) throw new ExecError('unterminated double quote in Exec');
      i++;
    } else {
      current = (current ?? '') + c;
      i++;
    }
  }
  if (current !== undefined) args.push(current);
  return args;
}

export function quoteArg(arg: string): string {
  if (FIELD_CODE.test(arg) || (arg !== '' && !RESERVED.test(arg))) return arg;
  return `"${[...arg].map((c) => (QUOTED_ESCAPES.includes(c) ? `\\${c}` : c)).join('')}"`;
}

export function joinExec(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

/** Exec value as written in the file → argument list, and back. */
export function parseExecValue(value: string): string[] {
  return splitExec(unescapeString(value));
}

export function formatExecValue(args: readonly string[]): string {
  return escapeString(joinExec(args));
}
