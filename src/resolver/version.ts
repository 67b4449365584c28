// The order of GoboLinux version strings: one rule, total and deterministic (docs/versions-and-solver.md).
//
// Every version becomes a sort key, a list of items compared left to right; a missing item counts
// as the number 0, so `4.4` equals `4.4.0` (as semver's coercion says). Item classes, lowest first:
//   0 tilde          `1.0~rc1` < `1.0`
//   1 pre-release    semver's `-rc.1`; a known word (alpha, beta, pre, rc, dev, preview); or any
//                    letter run glued to a number (`8.6b3`, `8.5a4`, `1.4rc5`) < the release. Ranked
//                    dev < alpha (a) < beta (b) < other runs < pre < rc. Not `p`/`pl` + number:
//                    OpenSSH's `9.3p1` is a patch level after 9.3, as `1.0.2k` is after 1.0.2.
//   2 number         numeric parts, dates (`20231105`), compared as integers of any length
//   3 word           other letters: `1.0.2k` > `1.0.2j` > `1.0.2`, and the revision `-r10` > `-r9` > none
// Version-control snapshots (`git`, `svn`, `cvs`, `bzr`, `hg` in any case, alone or as a `-git`
// suffix: `2.0-git`) come before all of these, as GoboLinux's GuessLatest ranks them ("must be the
// last choice"), and among themselves by the rest of their key (`1.0-git` < `git` < `svn`).
// Strings semver can hold (after coercing `4.4` to `4.4.0`) are keyed from semver's own parse, so
// semver's rules hold for them (numeric pre-release identifiers before alphanumeric ones).
// Equal keys are ordered by the raw string, so sorting never depends on input order.
import coerce from 'semver/functions/coerce.js';
import parse from 'semver/functions/parse.js';
import type SemVer from 'semver/classes/semver.js';

export type Item = readonly [cls: -1 | 0 | 1 | 2 | 3, num: string, text: string];

const ZERO: Item = [2, '0', ''];
/** Pre-release words → their rank (compared as text). A letter run glued to a number ranks '2~'. */
const PRE_RANKS: Record<string, string> = {
  dev: '0',
  a: '1',
  alpha: '1',
  b: '2',
  beta: '2',
  pre: '3',
  preview: '3',
  rc: '4',
};
const PRE_WORDS = new Set(['alpha', 'beta', 'pre', 'rc', 'dev', 'preview']);
const PATCH_LEVELS = new Set(['p', 'pl']);
const GOBO_REVISION = /-r(\d+)$/;
const GOBO_REVISION_SUFFIX = /-r\d+$/;
/** Leads a snapshot's key: below every other first item. */
const SNAPSHOT: Item = [-1, '0', ''];
const SNAPSHOT_NAME = /(?:^|[-_])(?:git|svn|cvs|bzr|hg)$/i;

/** A version-control snapshot (`git`, `SVN`, `2.0-git`): ranked below every numbered version. */
export function isSnapshot(version: string): boolean {
  return SNAPSHOT_NAME.test(version.replace(GOBO_REVISION_SUFFIX, ''));
}
const SHORT_NUMERIC = /^\d+(\.\d+){0,2}$/;

function num(digits: string): Item {
  return [2, digits.replace(/^0+(?=\d)/, ''), ''];
}

function compareNumbers(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

function compareItems(a: Item, b: Item): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  const byNumber = compareNumbers(a[1], b[1]);
  if (byNumber !== 0) return byNumber;
  return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}

function semverKey(parsed: SemVer): Item[] {
  const key: Item[] = [num(String(parsed.major)), num(String(parsed.minor)), num(String(parsed.patch))];
  if (parsed.prerelease.length === 0) return key;
  key.push([1, '0', '']);
  for (const id of parsed.prerelease) {
    // Inside a pre-release, semver puts numeric identifiers before alphanumeric ones.
    key.push(typeof id === 'number' ? num(String(id)) : [3, '0', id]);
  }
  return key;
}

function tokenKey(text: string): Item[] {
  const key: Item[] = [];
  for (const match of text.matchAll(/\d+|[A-Za-z]+|~/g)) {
    const token = match[0];
    const word = token.toLowerCase();
    const gluedToNumber = /\d/.test(text[match.index + token.length] ?? '');
    if (token === '~') key.push([0, '0', '']);
    else if (/^\d/.test(token)) key.push(num(token));
    else if (PRE_WORDS.has(word) || (gluedToNumber && !PATCH_LEVELS.has(word)))
      key.push([1, '0', PRE_RANKS[word] ?? `2~${word}`]);
    else key.push([3, '0', word]);
  }
  return key;
}

function baseKey(text: string): Item[] {
  const candidate = SHORT_NUMERIC.test(text) ? coerce(text)?.version : text;
  const parsed = candidate === undefined ? null : parse(candidate);
  return parsed ? semverKey(parsed) : tokenKey(text);
}

const keyCache = new Map<string, Item[]>();

/** The sort key of a version string (memoised: the solver compares the same strings often). */
export function versionKey(version: string): readonly Item[] {
  let key = keyCache.get(version);
  if (key === undefined) {
    const revision = GOBO_REVISION.exec(version);
    key = revision ? [...baseKey(version.slice(0, revision.index)), [3, '0', 'r'], num(revision[1])] : baseKey(version);
    if (isSnapshot(version)) key.unshift(SNAPSHOT);
    keyCache.set(version, key);
  }
  return key;
}

/** Compares by meaning only: `4.4` and `4.4.0` are equal. Used for constraints. */
export function compareVersionValues(a: string, b: string): number {
  return compareKeys(versionKey(a), versionKey(b));
}

/** compareVersionValues on keys made already (the solver keys each installed version once). */
export function compareKeys(ka: readonly Item[], kb: readonly Item[]): number {
  const length = Math.max(ka.length, kb.length);
  for (let i = 0; i < length; i++) {
    const order = compareItems(ka[i] ?? ZERO, kb[i] ?? ZERO);
    if (order !== 0) return Math.sign(order);
  }
  return 0;
}

/** A total order for sorting: by meaning, then by the raw string. */
export function compareVersions(a: string, b: string): number {
  return compareVersionValues(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Newest first. */
export function sortNewestFirst(versions: readonly string[]): string[] {
  return [...versions].sort((a, b) => compareVersions(b, a));
}
