// Resources/Environment files: the shell-assignment subset real GoboLinux Environment files use,
// applied without generating a shell wrapper (the C original's wrapper re-quotes argv naively).
//   export VAR=value | VAR=value | export VAR        comments with #, blank lines
//   values: 'single' (literal), "double" ($VAR, ${VAR}, \" \\ \$ escapes), bare ($VAR, \x)
// Anything else (commands, `unset`, `$(...)`) is a problem naming file and line.

export interface EnvProblem {
  file: string;
  line: number;
  message: string;
}

export interface EnvResult {
  env: Map<string, string>;
  problems: EnvProblem[];
}

/** The kernel's limit on one `NAME=value` string with its NUL (MAX_ARG_STRLEN): exec refuses more. */
export const MAX_ENV_STRING_BYTES = 128 * 1024;

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const EXPORT_ONLY = /^export(\s+[A-Za-z_][A-Za-z0-9_]*)+$/;

class ValueError extends Error {}

function expandName(text: string, at: number, env: Map<string, string>): [string, number] {
  if (text[at + 1] === '{') {
    const close = text.indexOf('}', at + 2);
    const name = close < 0 ? '' : text.slice(at + 2, close);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ValueError(`unsupported expansion '${text.slice(at, close < 0 ? undefined : close + 1)}'`);
    return [env.get(name) ?? '', close + 1];
  }
  const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at + 1));
  if (!match) {
    if (text[at + 1] === '(') throw new ValueError("command substitution '$(...)' is not supported");
    return ['$', at + 1];
  }
  return [env.get(match[0]) ?? '', at + 1 + match[0].length];
}

/** Evaluates one shell word as an assignment value; `env` holds what is set so far. */
export function evaluateValue(text: string, env: Map<string, string>): string {
  let value = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new ValueError('unterminated single quote');
      value += text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && '"\\$`'.includes(text[i + 1] ?? '')) {
          value += text[i + 1];
          i += 2;
        } else if (text[i] === '$') {
          const [expanded, next] = expandName(text, i, env);
          value += expanded;
          i = next;
        } else if (text[i] === '`') {
          throw new ValueError('command substitution with backquotes is not supported');
        } else {
          value += text[i++];
        }
      }
      if (i >= text.length) throw new ValueError('unterminated double quote');
      i++;
    } else if (c === '\\') {
      value += text[i + 1] ?? '';
      i += 2;
    } else if (c === '$') {
      const [expanded, next] = expandName(text, i, env);
      value += expanded;
      i = next;
    } else if (c === '`') {
      throw new ValueError('command substitution with backquotes is not supported');
    } else if (/\s/.test(c)) {
      const rest = text.slice(i).trim();
      if (rest === '' || rest.startsWith('#')) break;
      throw new ValueError(`unexpected '${rest}' after the value (quote values that contain spaces)`);
    } else if (';&|<>()'.includes(c)) {
      throw new ValueError(`unexpected '${c}' (only assignments are supported)`);
    } else {
      value += c;
      i++;
    }
  }
  return value;
}

/** Applies one Environment file on top of `base` (which it does not modify). */
export function applyEnvironment(content: string, file: string, base: Map<string, string>): EnvResult {
  const env = new Map(base);
  const problems: EnvProblem[] = [];
  content.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#') || EXPORT_ONLY.test(line)) return;
    if (line.includes('\0')) {
      problems.push({ file, line: index + 1, message: 'contains a NUL byte, which no environment value can hold' });
      return;
    }
    const match = ASSIGNMENT.exec(line);
    if (!match) {
      problems.push({ file, line: index + 1, message: `'${line}' is not an assignment (expected 'export VAR=value')` });
      return;
    }
    try {
      const value = evaluateValue(match[2], env);
      // `A=$A$A` doubles a value per line: stop at what exec could take at all.
      if (match[1].length + Buffer.byteLength(value) + 2 > MAX_ENV_STRING_BYTES)
        throw new ValueError(`${match[1]}=… grows beyond ${MAX_ENV_STRING_BYTES} bytes, more than exec allows`);
      env.set(match[1], value);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      problems.push({ file, line: index + 1, message: error.message });
    }
  });
  return { env, problems };
}
