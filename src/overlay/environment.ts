// Resources/Environment files: the part of shell that real GoboLinux Environment files use,
// compiled into environment operations (addon/env-ops.h) instead of a shell wrapper (the C
// original's wrapper re-quotes argv naively). The operations keep `$VAR` references as references:
// the executor applies them to the caller's environment of each launch, so that a cached plan
// never carries an old environment. What a shell sourcing the file would give the program is what
// the program gets (test/environment.test.ts compares with dash and bash on generated files):
//   export VAR=value [VAR2=value2 | NAME]...   VAR=value [VAR2=value2]...   unset [-v] NAME...
//   alias/unalias lines (they never reach a program: nothing to do), `;` between commands, `#`
//   comments, a quote or a `\` newline that continues a command on the next line
//   values: 'single' (literal), "double" ($VAR, ${VAR}, \" \\ \$ escapes), bare ($VAR, \x, ~ and
//   ~/ at the start or after ':' mean $HOME), ${VAR-word} ${VAR:-word} ${VAR+word} ${VAR:+word}
//   (Scripts' own file: "${goboShared}${XDG_DATA_DIRS:+:${XDG_DATA_DIRS}}")
// Everything a variable is exported as (a file writes `VAR=value` meaning the program's variable).
// Anything else (other commands, `$(...)`, `$1`, `${#VAR}`, `~user`) is a problem naming file and
// line; that command is left out and the rest still applies.

export interface EnvProblem {
  file: string;
  line: number;
  message: string;
}

/**
 * Literal text; the value of a variable at the time the operation is applied; or a conditional
 * expansion: `-` gives the variable's value when it is set, else `word`; `+` gives `word` when the
 * variable is set, else nothing; with `:` (`:-`, `:+`) an empty value counts as unset.
 */
export type EnvPart =
  { text: string } | { variable: string } | { variable: string; operator: '-' | ':-' | '+' | ':+'; word: EnvPart[] };

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

/** Every variable the parts read, conditional words included. */
export function variablesOf(parts: readonly EnvPart[]): string[] {
  return parts.flatMap((part) =>
    'variable' in part ? [part.variable, ...('word' in part ? variablesOf(part.word) : [])] : [],
  );
}

/**
 * The caller's variables that the operations read: all of them, or only those the final value of
 * `wanted` depends on (followed from the last operation back: a variable set before it is read is
 * the operations' own, not the caller's).
 */
export function callerVariablesRead(ops: readonly EnvOp[], wanted?: string): string[] {
  const reads = (op: EnvOp) => (op.kind === 'prepend' ? [op.name] : op.kind === 'set' ? variablesOf(op.parts) : []);
  if (wanted === undefined) return [...new Set(ops.flatMap(reads))];
  const live = new Set([wanted]);
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i];
    if (!live.has(op.name)) continue;
    if (op.kind !== 'prepend') live.delete(op.name);
    for (const name of reads(op)) live.add(name);
  }
  return [...live];
}

/** Why a command cannot be applied. Not an Error: a file may have a million such lines, and an
 * Error records a stack trace each time. */
class ShellProblem {
  constructor(readonly message: string) {}
}

/** `${A:-${B:-...}}` deeper than this is refused (real files nest one level; no recursion runs deep). */
const MAX_NESTING = 16;

// Sticky: matched where the reader is, never on a copy of the rest (files may be megabytes).
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NAME_REST = /[A-Za-z0-9_]+/y;
const CONTINUED_NAME = /(?:\\\n)+[A-Za-z0-9_]/y;
const TILDE_PREFIX = /(?:[^/:\s;\\]|\\\n)*/y;
/** In a conditional expansion's word the prefix also ends at its closing brace. */
const TILDE_PREFIX_IN_BRACE = /(?:[^/:\s;\\}]|\\\n)*/y;
const BLANK = ' \t';
/** Unquoted, these end a word. */
const WORD_END = ' \t\n;';

/** A reader over the whole file (a quoted value may span lines). */
class Reader {
  at = 0;
  constructor(readonly text: string) {}

  get char(): string | undefined {
    return this.text[this.at];
  }

  /** The line of the newline-counting position, and the next newline from it (asked in file order). */
  private line = 1;
  private nextNewline = -2;

  lineOf(at: number): number {
    if (this.nextNewline === -2) this.nextNewline = this.text.indexOf('\n');
    while (this.nextNewline >= 0 && this.nextNewline < at) {
      this.line++;
      this.nextNewline = this.text.indexOf('\n', this.nextNewline + 1);
    }
    return this.line;
  }

  /** Past the end of the line `at` is on. */
  afterLine(at: number): number {
    const newline = this.text.indexOf('\n', at);
    return newline < 0 ? this.text.length : newline + 1;
  }

  /**
   * Where the command starting at `start` ends (its newline or ';', quotes respected): reading goes
   * on there after a problem. A quote that is never closed ends it at the end of its line.
   */
  endOfCommand(start: number): number {
    const text = this.text;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (c === '\\') i++;
      else if (c === "'" || c === '"') {
        let close = i + 1;
        while (close < text.length && text[close] !== c) close += c === '"' && text[close] === '\\' ? 2 : 1;
        if (close >= text.length) return this.afterLine(i);
        i = close;
      } else if (c === '\n' || c === ';') return i;
      else if (c === '#' && (i === start || BLANK.includes(text[i - 1]))) return this.afterLine(i);
    }
    return text.length;
  }

  /** From here on no '"' closes a double quote (a scan found none: one from later finds none either). */
  private unclosedFrom = Infinity;

  /** Whether the double quote at the cursor is closed somewhere (so a problem inside it is that problem). */
  closesDoubleQuote(): boolean {
    if (this.at >= this.unclosedFrom) return false;
    for (let i = this.at + 1; i < this.text.length; i++) {
      if (this.text[i] === '\\') i++;
      else if (this.text[i] === '"') return true;
    }
    this.unclosedFrom = this.at;
    return false;
  }

  skipBlanks(): void {
    for (;;) {
      while (this.char !== undefined && BLANK.includes(this.char)) this.at++;
      if (this.text.startsWith('\\\n', this.at)) this.at += 2;
      else return;
    }
  }

  /** An unquoted word that is exactly `word` (a command name), consumed when it is there. */
  keyword(word: string): boolean {
    if (!this.text.startsWith(word, this.at)) return false;
    const after = this.text[this.at + word.length];
    if (after !== undefined && !WORD_END.includes(after)) return false;
    this.at += word.length;
    return true;
  }

  /** What the sticky `pattern` matches at `at` (the cursor by default), if anything; nothing is consumed. */
  match(pattern: RegExp, at = this.at): string | undefined {
    pattern.lastIndex = at;
    return pattern.exec(this.text)?.[0];
  }

  /** `NAME=` at the cursor: the name, consumed with its '='. */
  assignmentName(): string | undefined {
    const name = this.match(NAME);
    if (name === undefined || this.text[this.at + name.length] !== '=') return undefined;
    this.at += name.length + 1;
    return name;
  }

  /** A variable's name at the cursor, consumed; a `\` newline inside one is not part of it (sh). */
  variableName(): string | undefined {
    let name = '';
    let continued: string | undefined;
    for (;;) {
      const part = this.match(name === '' ? NAME : NAME_REST);
      if (part !== undefined) {
        name += part;
        this.at += part.length;
      } else if (name !== '' && (continued = this.match(CONTINUED_NAME)) !== undefined) {
        this.at += continued.length - 1; // the continuations; the name goes on
      } else {
        return name === '' ? undefined : name;
      }
    }
  }
}

/** At most this much of a file is quoted in a message (a line may be megabytes long). */
const QUOTED = 120;

/** text[start, end), quoted in a message: trimmed, and cut short with '…' if long. */
function snippet(text: string, start: number, end: number): string {
  const quoted = text.slice(start, Math.min(end, start + QUOTED + 1)).trim();
  return end - start > QUOTED ? `${quoted.slice(0, QUOTED)}…` : quoted;
}

function add(parts: EnvPart[], part: EnvPart): void {
  const last = parts.at(-1);
  if ('text' in part && last !== undefined && 'text' in last) last.text += part.text;
  else if (!('text' in part) || part.text !== '') parts.push(part);
}

/** `$...` at the cursor: a variable, a conditional expansion, or a literal '$'. */
function readDollar(r: Reader, inDouble: boolean, depth: number, assignment: boolean): EnvPart {
  const start = r.at;
  r.at++; // '$'
  const next = r.char;
  if (next === '{') {
    r.at++;
    const name = r.variableName();
    if (name !== undefined && r.char === '}') {
      r.at++;
      return { variable: name };
    }
    const operator = (['-', ':-', '+', ':+'] as const).find((op) => name !== undefined && r.text.startsWith(op, r.at));
    if (name === undefined || operator === undefined) {
      const close = r.text.slice(r.at, r.at + QUOTED).indexOf('}');
      throw new ShellProblem(
        `unsupported expansion '${snippet(r.text, start, close < 0 ? r.at + 1 : r.at + close + 1)}' (Runner applies \${VAR}, \${VAR-word}, \${VAR:-word}, \${VAR+word} and \${VAR:+word})`,
      );
    }
    r.at += operator.length;
    if (depth >= MAX_NESTING) throw new ShellProblem(`expansions nested more than ${MAX_NESTING} deep`);
    // Outside double quotes the word gets tilde expansion as a value does (dash: X=${V-:~/r}
    // gives :$HOME/r), at its start even inside a longer word (X=a${V-~/r}).
    const word = readUntil(r, inDouble ? 'brace-in-double' : 'brace', !inDouble && assignment, depth + 1);
    return { variable: name, operator, word };
  }
  const name = r.variableName();
  if (name !== undefined) return { variable: name };
  if (next === '(') throw new ShellProblem("command substitution '$(...)' is not supported");
  if (next !== undefined && '0123456789@*#?$!-'.includes(next))
    throw new ShellProblem(`'$${next}' (a parameter of a running shell) is not supported`);
  return { text: '$' };
}

/**
 * Reads a run of word text: a bare word (to an unquoted blank, newline or ';'), the inside of
 * double quotes (to the closing '"'), or the word of a conditional expansion (to its '}', within
 * double quotes or not). `assignment`: a bare assignment value, where '~' expands.
 */
function readUntil(
  r: Reader,
  context: 'bare' | 'double' | 'brace' | 'brace-in-double',
  assignment = false,
  depth = 0,
): EnvPart[] {
  const parts: EnvPart[] = [];
  const quoted = context === 'double' || context === 'brace-in-double';
  let tildeMayFollow = assignment;
  for (;;) {
    const c = r.char;
    if (c === undefined) {
      if (context === 'bare') return parts;
      throw new ShellProblem(context === 'double' ? 'unterminated double quote' : `unterminated '\${'`);
    }
    if (context === 'double' && c === '"') {
      r.at++;
      return parts;
    }
    if (context.startsWith('brace') && c === '}') {
      r.at++;
      return parts;
    }
    if (context === 'bare' && WORD_END.includes(c)) return parts;
    if (c === '\\' && (r.text[r.at + 1] === '\n' || r.text[r.at + 1] === undefined)) {
      r.at += 2; // a line continuation: as if the lines were one
      continue;
    }
    const tildeHere = tildeMayFollow;
    tildeMayFollow = assignment && c === ':';
    if (c === '\\') {
      const escaped = r.text[r.at + 1];
      r.at += 2;
      // Within double quotes only these lose their backslash; everywhere else any character does.
      if (quoted && !'"\\$`}'.includes(escaped)) add(parts, { text: '\\' });
      add(parts, { text: escaped });
    } else if (c === '$') {
      add(parts, readDollar(r, quoted, depth, assignment));
    } else if (c === '`') {
      throw new ShellProblem('command substitution with backquotes is not supported');
    } else if (c === '"') {
      if (!r.closesDoubleQuote()) throw new ShellProblem('unterminated double quote');
      r.at++;
      for (const part of readUntil(r, 'double', false, depth)) add(parts, part);
    } else if (c === "'" && !quoted) {
      const close = r.text.indexOf("'", r.at + 1);
      if (close < 0) throw new ShellProblem('unterminated single quote');
      add(parts, { text: r.text.slice(r.at + 1, close) });
      r.at = close + 1;
    } else if (c === '~' && tildeHere) {
      // The tilde-prefix runs to the first '/' or ':' (or the word's end): empty, it is $HOME;
      // a login name means that user's home, which Runner does not look up; anything else stays.
      const raw = r.match(context === 'brace' ? TILDE_PREFIX_IN_BRACE : TILDE_PREFIX, r.at + 1) ?? '';
      const escaped = r.text[r.at + 1 + raw.length] === '\\'; // a quoted character: no expansion
      const prefix = raw.replace(/\\\n/g, '');
      if (!escaped && /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(prefix))
        throw new ShellProblem(`'~${prefix}' (another user's home) is not supported`);
      r.at++;
      // ${HOME-~}: with HOME unset, dash leaves the tilde as it is.
      add(
        parts,
        prefix === '' && !escaped ? { variable: 'HOME', operator: '-', word: [{ text: '~' }] } : { text: '~' },
      );
    } else if (context === 'bare' && '&|<>()'.includes(c)) {
      throw new ShellProblem(`unexpected '${c}' (only assignments are supported)`);
    } else {
      add(parts, { text: c });
      r.at++;
    }
  }
}

/** A word that must be a plain name (of `unset`, `export`): the name, or a problem. */
function readName(r: Reader, command: string): string {
  const start = r.at;
  const word = readUntil(r, 'bare');
  const name = word.length === 1 && 'text' in word[0] ? word[0].text : undefined;
  if (name === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new ShellProblem(`'${command} ${snippet(r.text, start, r.at)}': not a variable name`);
  return name;
}

/** The words of one simple command, up to its end (a newline, ';' or '#'); `each` takes each word. */
function readWords(r: Reader, each: () => void): void {
  for (;;) {
    r.skipBlanks();
    if (r.char === undefined || r.char === '\n' || r.char === ';' || r.char === '#') return;
    each();
  }
}

/**
 * `export` is a command: the shell expands all its words before it runs, so each value reads the
 * variables as they were before the line (`export A=1 B=$A` gives B the old A), while plain
 * assignments (`A=1 B=$A`) take effect one by one. The operations apply one by one, so they are
 * given in an order that reads nothing an earlier one set: as written, or else reversed. A line
 * no order fits (`export A=$B B=$A`) is a problem.
 */
function exportOrder(sets: Extract<EnvOp, { kind: 'set' }>[], text: string): EnvOp[] {
  const readsEarlier = (ordered: typeof sets) => {
    const setBefore = new Set<string>();
    for (const op of ordered) {
      if (variablesOf(op.parts).some((name) => setBefore.has(name))) return true;
      setBefore.add(op.name);
    }
    return false;
  };
  if (!readsEarlier(sets)) return sets;
  const reversed = [...sets].reverse();
  if (!readsEarlier(reversed) && new Set(sets.map((op) => op.name)).size === sets.length) return reversed;
  throw new ShellProblem(
    `'${text}': its values read variables that the same 'export' sets, in no order operations can follow`,
  );
}

function notAnAssignment(r: Reader, start: number): ShellProblem {
  return new ShellProblem(
    `'${snippet(r.text, start, r.endOfCommand(start))}' is not an assignment (expected 'export VAR=value')`,
  );
}

/** One simple command at the cursor (blanks skipped), as operations, or why it cannot be applied. */
function readCommand(r: Reader, origin: string): EnvOp[] | ShellProblem {
  const start = r.at;
  const ops: EnvOp[] = [];
  const assign = (name: string) => ops.push({ kind: 'set', name, origin, parts: readUntil(r, 'bare', true) });
  if (r.keyword('export')) {
    readWords(r, () => {
      const name = r.assignmentName();
      if (name !== undefined) assign(name);
      else readName(r, 'export'); // every variable is exported already
    });
    return exportOrder(ops as Extract<EnvOp, { kind: 'set' }>[], snippet(r.text, start, r.at));
  } else if (r.keyword('unset')) {
    let functions = false;
    readWords(r, () => {
      if (r.keyword('-v')) functions = false;
      else if (r.keyword('-f')) functions = true;
      else {
        const name = readName(r, 'unset');
        if (!functions) ops.push({ kind: 'unset', name });
      }
    });
  } else if (r.keyword('alias') || r.keyword('unalias')) {
    // An alias lives in the shell that reads the file; a program never sees one.
    readWords(r, () => readUntil(r, 'bare'));
  } else {
    // Returned, not thrown, when the first word says it (most such lines): a file may have millions.
    const first = r.assignmentName();
    if (first === undefined) return notAnAssignment(r, start);
    assign(first);
    readWords(r, () => {
      const name = r.assignmentName();
      if (name === undefined) throw notAnAssignment(r, start);
      assign(name);
    });
  }
  return ops;
}

/** One Environment file as operations, and the commands that are not ones Runner can apply. */
export function compileEnvironment(content: string, file: string): EnvResult {
  const ops: EnvOp[] = [];
  const problems: EnvProblem[] = [];
  // Windows line ends, and a byte order mark before the first line, as some editors write them.
  const text = content.replace(/\r\n/g, '\n').replace(/^\uFEFF/, '');
  const r = new Reader(text);
  // The first NUL at or after the latest command's start (-1: none left): found once per NUL.
  let nextNul = text.indexOf('\0');
  const nulBetween = (start: number, end: number): boolean => {
    if (nextNul >= 0 && nextNul < start) nextNul = text.indexOf('\0', start);
    return nextNul >= 0 && nextNul < end;
  };
  while (r.at < text.length) {
    r.skipBlanks();
    const c = r.char;
    if (c === undefined) break;
    if (c === '\n' || c === ';') {
      r.at++;
      continue;
    }
    if (c === '#') {
      r.at = r.afterLine(r.at);
      continue;
    }
    const start = r.at;
    const line = r.lineOf(start);
    let result: EnvOp[] | ShellProblem;
    try {
      result = readCommand(r, `${file}:${line}`);
    } catch (error) {
      if (!(error instanceof ShellProblem)) throw error;
      result = error;
    }
    // What the command was read from (a quoted value may run over several lines) holds no NUL.
    if (!(result instanceof ShellProblem) && nulBetween(start, r.at))
      result = new ShellProblem('contains a NUL byte, which no environment value can hold');
    if (result instanceof ShellProblem) {
      problems.push({ file, line, message: result.message });
      r.at = Math.max(r.endOfCommand(start), start + 1);
    } else for (const item of result) ops.push(item);
  }
  return { ops, problems };
}
