// The Resources/Dependencies grammar (DESIGN.md §3). Pure: text in, requirements and problems out.
//
//   line        := NAME [constraints] ('|' alternative)*     after cutting `#...` and `[...]`
//   alternative := [NAME] constraints                        NAME defaults to the previous one
//   constraints := part (',' part)*
//   part        := OP VERSION | VERSION                      a bare VERSION only as the first part
import { OPERATORS, type Constraint, type Operator } from './constraint.js';

export interface Alternative {
  name: string;
  constraints: Constraint[];
}

export interface Requirement {
  /** The first alternative's name: what the line is "about". */
  name: string;
  alternatives: Alternative[];
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
  problems: Problem[];
}

/** `file:line:column: message`, or `file: message` for a problem with the whole file. */
export function formatProblem(p: Problem): string {
  return p.line === 0 ? `${p.file}: ${p.message}` : `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

const NAME = /^[A-Za-z0-9_+][A-Za-z0-9_+.:\-]*/;
const VERSION = /^[A-Za-z0-9_+.~\-]+$/;
const OPERATOR = new RegExp(`^(${OPERATORS.join('|')})`);

class LineError extends Error {
  constructor(
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

/** A name must stay a single directory name under Programs. */
export function nameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `'${name}' is not a program name`;
  if (name.includes('/') || name.includes('\0') || name.includes('..')) return `'${name}' is not a program name (contains '/', '..' or NUL)`;
  return undefined;
}

/** Is this the content of a text file? An ELF or other binary saved as Dependencies is not. */
export function binaryProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46)
    return 'is an ELF binary, not a Dependencies text file';
  if (bytes.includes(0)) return 'is not a text file (it contains NUL bytes)';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'is not a text file (it is not valid UTF-8)';
  }
  return undefined;
}

function parseParts(text: string, startColumn: number, strict: boolean): Constraint[] {
  const constraints: Constraint[] = [];
  let offset = 0;
  for (const raw of text.split(',')) {
    const lead = raw.length - raw.trimStart().length;
    const column = startColumn + offset + lead;
    const part = raw.trim();
    offset += raw.length + 1;
    if (part === '') throw new LineError(column, 'empty version constraint (stray comma?)');
    const opMatch = OPERATOR.exec(part);
    const op = opMatch?.[1] as Operator | undefined;
    const version = part.slice(op?.length ?? 0).trim();
    if (version === '') throw new LineError(column, `operator '${op}' has no version`);
    if (!VERSION.test(version)) throw new LineError(column, `'${version}' is not a version`);
    if (op === undefined && constraints.length > 0)
      throw new LineError(column, `'${part}' has no operator (a bare version may only come first; is a ',' meant to be a '.'?)`);
    constraints.push({ op: op ?? (strict ? '=' : '>='), version });
  }
  return constraints;
}

function parseAlternative(text: string, column: number, inherited: string | undefined, strict: boolean): Alternative {
  const lead = text.length - text.trimStart().length;
  const body = text.trim();
  column += lead;
  if (body === '') throw new LineError(column, "empty alternative (stray '|'?)");
  const startsWithConstraint = /^[<>=!\d]/.test(body);
  if (startsWithConstraint && inherited === undefined) throw new LineError(column, 'the line starts with a version, not a program name');
  const nameMatch = startsWithConstraint ? null : NAME.exec(body);
  if (!startsWithConstraint && !nameMatch) throw new LineError(column, `'${body.split(/\s/)[0]}' is not a program name`);
  const name = nameMatch ? nameMatch[0] : (inherited as string);
  const problem = nameProblem(name);
  if (problem) throw new LineError(column, problem);
  const rest = body.slice(nameMatch ? name.length : 0);
  const restColumn = column + (nameMatch ? name.length : 0);
  if (nameMatch && rest !== '' && !/^[\s<>=!]/.test(rest)) throw new LineError(restColumn, `unexpected '${rest[0]}' after the name '${name}'`);
  const constraints = rest.trim() === '' ? [] : parseParts(rest, restColumn, strict);
  return { name, constraints };
}

function parseLine(line: string, strict: boolean): Omit<Requirement, 'file' | 'line'> {
  let cut = line.length;
  for (const mark of ['#', '[']) {
    const at = line.indexOf(mark);
    if (at >= 0 && at < cut) cut = at;
  }
  const text = line.slice(0, cut).replace(/\s+$/, '');
  const alternatives: Alternative[] = [];
  let column = 1;
  for (const piece of text.split('|')) {
    alternatives.push(parseAlternative(piece, column, alternatives.at(-1)?.name, strict));
    column += piece.length + 1;
  }
  const name = alternatives[0].name;
  const alien = alternatives.some((a) => a.name.includes(':'));
  return { name, alternatives, alien, text: text.trim() };
}

/** Parses a whole Dependencies file. Never throws: every problem is returned with its position. */
export function parseDependencies(content: string, file: string, options: ParseOptions = {}): ParseResult {
  const requirements: Requirement[] = [];
  const problems: Problem[] = [];
  const lines = content.split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    const stripped = line.replace(/[#[].*$/, '').trim();
    if (stripped === '') return;
    try {
      requirements.push({ ...parseLine(line, options.strict ?? false), file, line: index + 1 });
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      problems.push({ file, line: index + 1, column: error.column, message: error.message });
    }
  });
  return { requirements, problems };
}
