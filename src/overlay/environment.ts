// Resources/Environment files: the shell-assignment subset real GoboLinux Environment files use,
// compiled into environment operations (addon/env-ops.h) instead of a shell wrapper (the C
// original's wrapper re-quotes argv naively). The operations keep `$VAR` references as references:
// the executor applies them to the caller's environment of each launch, so that a cached plan
// never carries an old environment.
//   export VAR=value | VAR=value | export VAR        comments with #, blank lines
//   values: 'single' (literal), "double" ($VAR, ${VAR}, \" \\ \$ escapes), bare ($VAR, \x)
// Anything else (commands, `unset`, `$(...)`) is a problem naming file and line.

export interface EnvProblem {
  file: string;
  line: number;
  message: string;
}

/** Literal text, or the value of a variable at the time the operation is applied. */
export type EnvPart = { text: string } | { variable: string };

export type EnvOp =
  | { kind: 'unset'; name: string }
  /** `dirs` in front of the variable's `:`-separated entries (empty entries dropped). */
  | { kind: 'prepend'; name: string; dirs: string[] }
  /** `origin` is `file:line`, for the executor's warning when a value grows too long. */
  | { kind: 'set'; name: string; origin: string; parts: EnvPart[] };

export interface EnvResult {
  ops: EnvOp[];
  problems: EnvProblem[];
}

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const EXPORT_ONLY = /^export(\s+[A-Za-z_][A-Za-z0-9_]*)+$/;

class ValueError extends Error {}

function expandName(text: string, at: number): [EnvPart, number] {
  if (text[at + 1] === '{') {
    const close = text.indexOf('}', at + 2);
    const name = close < 0 ? '' : text.slice(at + 2, close);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ValueError(`unsupported expansion '${text.slice(at, close < 0 ? undefined : close + 1)}'`);
    return [{ variable: name }, close + 1];
  }
  const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at + 1));
  if (!match) {
    if (text[at + 1] === '(') throw new ValueError("command substitution '$(...)' is not supported");
    return [{ text: '$' }, at + 1];
  }
  return [{ variable: match[0] }, at + 1 + match[0].length];
}

/** One shell word as an assignment value: its literal text and variable references, in order. */
export function compileValue(text: string): EnvPart[] {
  const parts: EnvPart[] = [];
  const add = (part: EnvPart) => {
    const last = parts.at(-1);
    if ('text' in part && last && 'text' in last) last.text += part.text;
    else parts.push(part);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new ValueError('unterminated single quote');
      add({ text: text.slice(i + 1, close) });
      i = close + 1;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && '"\\$`'.includes(text[i + 1] ?? '')) {
          add({ text: text[i + 1] });
          i += 2;
        } else if (text[i] === '$') {
          const [part, next] = expandName(text, i);
          add(part);
          i = next;
        } else if (text[i] === '`') {
          throw new ValueError('command substitution with backquotes is not supported');
        } else {
          add({ text: text[i++] });
        }
      }
      if (i >= text.length) throw new ValueError('unterminated double quote');
      i++;
    } else if (c === '\\') {
      add({ text: text[i + 1] ?? '' });
      i += 2;
    } else if (c === '$') {
      const [part, next] = expandName(text, i);
      add(part);
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
      add({ text: c });
      i++;
    }
  }
  return parts;
}

/** One Environment file as operations, and the lines that are not assignments Runner can apply. */
export function compileEnvironment(content: string, file: string): EnvResult {
  const ops: EnvOp[] = [];
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
      ops.push({ kind: 'set', name: match[1], origin: `${file}:${index + 1}`, parts: compileValue(match[2]) });
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      problems.push({ file, line: index + 1, message: error.message });
    }
  });
  return { ops, problems };
}
