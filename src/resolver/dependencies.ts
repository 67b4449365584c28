// The Resources/Dependencies grammar (docs/tree-and-plan.md). Pure: text in, requirements and problems out.
// Linear in the input: one pass cuts comments and `[flags]`, one tokenizer pass reads the rest.
//
//   line        := alternative ('|' alternative)*     after cutting `#...` and every `[...]`
//   alternative := [NAME] constraints                  NAME defaults to the previous alternative's
//   constraints := part (',' part)*
//   part        := OP VERSION | VERSION                a bare VERSION only as the first part
//
// A line with `[flags]` is optional (it applies only when the program was built with the flag).
// Typos that real GoboLinux files contain are read as meant and reported as fixes: `=>` for `>=`,
// `=<` for `<=`, and two parts without a comma (`Qt >= 3.3.2 < 4.0`). Any other malformed line is
// a problem with its column; the caller decides whether that skips the line or stops the run.
import { isUtf8 } from 'node:buffer';
import { OPERATORS, type Constraint, type Operator } from './constraint.js';

export interface Alternative {
  name: string;
  constraints: Constraint[];
}

export interface Requirement {
  /** The first alternative's name: what the line is "about". */
  name: string;
  alternatives: Alternative[];
  /** The line carries `[flags]`: layered when it fits with everything else, skipped otherwise. */
  optional: boolean;
  /** Names like `PIP:requests` are Alien dependencies: recognised, never resolved. */
  alien: boolean;
  file: string;
  line: number;
  /** The line as written, without comment and flags. */
  text: string;
}

export interface Problem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ParseOptions {
  /** `-S/--strict`: a bare version means `=` instead of `>=`. */
  strict?: boolean;
}

export interface ParseResult {
  requirements: Requirement[];
  /** Lines that could not be read (line 0: the whole file). */
  problems: Problem[];
  /** Lines read as meant although malformed (typos real files contain). */
  fixes: Problem[];
}

/** `file:line:column: message`, or `file: message` for a problem with the whole file. */
export function formatProblem(p: Problem): string {
  return p.line === 0 ? `${p.file}: ${p.message}` : `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

/** A name must stay a single directory name under Programs. */
export function nameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `'${name}' is not a program name`;
  if (name.includes('/') || name.includes('\0') || name.includes('..'))
    return `'${name}' is not a program name (contains '/', '..' or NUL)`;
  return undefined;
}

/** Is this the content of a text file? An ELF or other binary saved as Dependencies is not. */
export function binaryProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46)
    return 'is an ELF binary, not a Dependencies text file';
  if (bytes.includes(0)) return 'is not a text file (it contains NUL bytes)';
  // Checked in place: decoding to a string only to validate it would allocate every file twice.
  if (!isUtf8(bytes)) return 'is not a text file (it is not valid UTF-8)';
  return undefined;
}

type Token =
  | { kind: 'word'; text: string; column: number }
  | { kind: 'op'; text: Operator; typo?: string; column: number }
  | { kind: ',' | '|'; column: number }
  | { kind: 'other'; text: string; column: number };

/** `[A-Za-z0-9_+.~:-]`, by character code: the tokenizer asks this of every character it reads. */
function isWordChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x3a) || // 0-9 and ':'
    code === 0x5f ||
    code === 0x2b ||
    code === 0x2e ||
    code === 0x7e ||
    code === 0x2d // _ + . ~ -
  );
}
/** Typos of real files, read as meant. */
const OPERATOR_TYPOS: Record<string, Operator> = { '=>': '>=', '=<': '<=' };
const OPERATOR_TEXTS = [...Object.keys(OPERATOR_TYPOS), ...OPERATORS].sort((a, b) => b.length - a.length);
// The grammar's regular expressions, made once: a literal is a new object each time it is
// evaluated, and these are asked of every word and line of every file a large solve reads.
const VERSION = /^[A-Za-z0-9_+.~-]+$/;
const STARTS_WITH_LETTER = /^[A-Za-z_]/;
const HAS_LETTER = /[A-Za-z]/;
const HAS_CAPITAL = /[A-Z]/;
const UNTIDY = /^[ \t]|[ \t]$|\t| {2}/;
const BLANKS = /[ \t]+/;

class LineError extends Error {
  constructor(
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

/** Splits what is left of a line into words, operators, commas and bars, in one pass. */
function tokenize(text: string, offset: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const column = offset + i;
    if (c === ' ' || c === '\t' || c === '\v' || c === '\f') {
      i++;
    } else if (c === ',' || c === '|') {
      tokens.push({ kind: c, column });
      i++;
    } else if (isWordChar(text.charCodeAt(i))) {
      const start = i;
      while (i < text.length && isWordChar(text.charCodeAt(i))) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), column });
    } else {
      const op = OPERATOR_TEXTS.find((o) => text.startsWith(o, i));
      if (!op) {
        // Reported where the parser meets it, so the first problem of the line is the one named;
        // the parser stops there, so nothing after it is read (a line may be 4 MiB of ']').
        tokens.push({ kind: 'other', text: c, column });
        return tokens;
      }
      const typo = OPERATOR_TYPOS[op];
      tokens.push(typo ? { kind: 'op', text: typo, typo: op, column } : { kind: 'op', text: op as Operator, column });
      i += op.length;
    }
  }
  return tokens;
}

/** A word that names a program: starts with a letter, or with a digit and has a capital (`7Zip`). */
function looksLikeName(word: string, first: boolean): boolean {
  if (STARTS_WITH_LETTER.test(word)) return true;
  return first ? HAS_LETTER.test(word) : HAS_CAPITAL.test(word);
}

/** Shared by every alternative without constraints (a line may have hundreds of thousands). */
const NO_CONSTRAINTS: Constraint[] = [];

interface LineParse {
  alternatives: Alternative[];
  fixes: { column: number; message: string }[];
}

function parseTokens(tokens: Token[], strict: boolean): LineParse {
  const alternatives: Alternative[] = [];
  const fixes: LineParse['fixes'] = [];
  let i = 0;
  while (i <= tokens.length) {
    const start = tokens[i];
    let name = alternatives.at(-1)?.name;
    if (start?.kind === 'word' && looksLikeName(start.text, alternatives.length === 0)) {
      name = start.text;
      i++;
    } else if (start?.kind === 'other') {
      throw new LineError(start.column, `unexpected '${start.text}'`);
    } else if (alternatives.length === 0) {
      throw new LineError(
        start?.column ?? 1,
        start?.kind === 'word' || start?.kind === 'op'
          ? 'the line starts with a version, not a program name'
          : 'a program name is missing',
      );
    } else if (start === undefined || start.kind === '|') {
      throw new LineError(start?.column ?? 1, "empty alternative (stray '|'?)");
    }
    const problem = nameProblem(name as string);
    if (problem) throw new LineError(start?.column ?? 1, problem);
    const constraints: Constraint[] = [];
    while (i < tokens.length && tokens[i].kind !== '|') {
      const token = tokens[i];
      if (constraints.length > 0) {
        if (token.kind === ',') {
          i++;
          if (i >= tokens.length || tokens[i].kind === '|' || tokens[i].kind === ',')
            throw new LineError(token.column, 'empty version constraint (stray comma?)');
        } else if (token.kind === 'op') {
          fixes.push({
            column: token.column,
            message: `missing ',' before '${token.typo ?? token.text}'; read as two constraints`,
          });
        } else {
          throw new LineError(
            token.column,
            `unexpected '${(token as { text?: string }).text ?? token.kind}' after a version (only constraints may follow)`,
          );
        }
      } else if (token.kind === ',') {
        throw new LineError(token.column, 'empty version constraint (stray comma?)');
      }
      const part = tokens[i];
      if (part.kind === 'op') {
        if (part.typo) fixes.push({ column: part.column, message: `'${part.typo}' read as '${part.text}'` });
        i++;
        const version = tokens[i];
        if (version?.kind !== 'word')
          throw new LineError(version?.column ?? part.column, `operator '${part.typo ?? part.text}' has no version`);
        if (!VERSION.test(version.text)) throw new LineError(version.column, `'${version.text}' is not a version`);
        constraints.push({ op: part.text, version: version.text });
        i++;
      } else if (part.kind === 'word') {
        if (constraints.length > 0)
          throw new LineError(
            part.column,
            `'${part.text}' has no operator (a bare version may only come first; is a ',' meant to be a '.'?)`,
          );
        if (!VERSION.test(part.text)) throw new LineError(part.column, `'${part.text}' is not a version`);
        constraints.push({ op: strict ? '=' : '>=', version: part.text });
        i++;
      } else {
        throw new LineError(part.column, `unexpected '${part.kind === 'other' ? part.text : part.kind}'`);
      }
    }
    alternatives.push({
      name: name as string,
      constraints: constraints.length === 0 ? NO_CONSTRAINTS : constraints.slice(),
    });
    if (i >= tokens.length) break;
    i++; // the '|'
    if (i >= tokens.length) throw new LineError(tokens[i - 1].column, "empty alternative (stray '|'?)");
  }
  return { alternatives: alternatives.slice(), fixes };
}

const FLAG_GROUP = /\[[^\]]*\]?/g;

/** The line without its comment and `[flags]` groups (blanked, so columns stay true). */
function cutCommentAndFlags(line: string): { text: string; optional: boolean } {
  const hash = line.indexOf('#');
  let text = hash >= 0 ? line.slice(0, hash) : line;
  const optional = text.includes('[');
  // Each group blanked at once, to its ']' or the line's end (a regular expression: linear, and
  // no string built a character at a time from a 4 MiB line).
  if (optional) text = text.replace(FLAG_GROUP, (group) => ' '.repeat(group.length));
  return { text, optional };
}

/** Collapses runs of blanks for the `text` shown in messages (linear, no backtracking). */
function tidy(text: string): string {
  // Most lines are tidy already: one test instead of a split, a filter and a join.
  if (!UNTIDY.test(text)) return text;
  return text.split(BLANKS).filter(Boolean).join(' ');
}

/**
 * Bounds far above any real file (GoboLinux's largest have a few hundred lines and a handful of
 * alternatives), so that a hostile file within the 4 MiB cap parses and fails in bounded time and
 * memory: a line of more alternatives is malformed; a file of more lines is not read at all.
 */
export const MAX_ALTERNATIVES = 1_000;
export const MAX_REQUIREMENTS = 10_000;

/** Where the `n`th (counting from 1) `char` of `text` is, or -1. */
function nthIndexOf(text: string, char: string, n: number): number {
  let at = -1;
  for (let seen = 0; seen < n; seen++) if ((at = text.indexOf(char, at + 1)) < 0) return -1;
  return at;
}

/** Parses a whole Dependencies file. Never throws: every problem is returned with its position. */
export function parseDependencies(content: string, file: string, options: ParseOptions = {}): ParseResult {
  const requirements: Requirement[] = [];
  const problems: Problem[] = [];
  const fixes: Problem[] = [];
  // A byte order mark, as some editors put before the first line, is not part of it.
  const lines = content.replace(/^\uFEFF/, '').split('\n');
  for (let index = 0; index < lines.length; index++) {
    const rawLine = lines[index];
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const { text, optional } = cutCommentAndFlags(line);
    if (text.trim() === '') continue;
    if (requirements.length === MAX_REQUIREMENTS) {
      const message = `has more than ${MAX_REQUIREMENTS.toLocaleString('en-US')} dependency lines (line ${index + 1}); not read as a Dependencies file`;
      return { requirements: [], problems: [{ file, line: 0, column: 0, message }], fixes: [] };
    }
    try {
      const tooMany = nthIndexOf(text, '|', MAX_ALTERNATIVES);
      if (tooMany >= 0)
        throw new LineError(tooMany + 1, `more than ${MAX_ALTERNATIVES.toLocaleString('en-US')} alternatives`);
      const parsed = parseTokens(tokenize(text, 1), options.strict ?? false);
      for (const fix of parsed.fixes) fixes.push({ file, line: index + 1, ...fix });
      const alternatives = parsed.alternatives;
      const alien = alternatives.some((a) => a.name.includes(':'));
      requirements.push({
        name: alternatives[0].name,
        alternatives,
        optional,
        alien,
        file,
        line: index + 1,
        text: tidy(text),
      });
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      problems.push({ file, line: index + 1, column: error.column, message: error.message });
    }
  }
  // At their exact size (slice), as the alternatives and constraints: a World keeps every file it
  // read for the whole run (see incompatibility()).
  return { requirements: requirements.slice(), problems, fixes };
}
