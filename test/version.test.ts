import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareVersions, compareVersionValues, sortNewestFirst } from '../src/resolver/version.js';

// Each row is ascending: every version is older than the next.
const ascending: string[][] = [
  ['1.0', '1.1', '1.2', '1.10', '2.0'],
  ['1.0.2', '1.0.2j', '1.0.2k', '1.0.3'],
  ['0.9.7', '0.9.7f', '0.9.8'],
  ['2.9.4', '2.9.4-r1', '2.9.4-r9', '2.9.4-r10', '2.9.5'],
  ['5.2.1.9', '5.2.1.10', '5.2.2'],
  ['3.6.16', '3.6.16.1', '3.6.17'],
  ['20231105', '20240101'],
  ['1.0~rc1', '1.0'],
  ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta', '1.0.0-rc.1', '1.0.0'],
  ['1.4rc5', '1.4'],
  ['6', '6b', '7'],
  ['4.3.0.1', '4.3.1'],
  // Tcl's real versions: a letter run glued to a number is a pre-release of what precedes it.
  ['8.5a4', '8.5b1', '8.5.0', '8.5.9', '8.6a3', '8.6b3', '8.6.0', '8.6.10', '8.6.16'],
  ['1.0dev1', '1.0a1', '1.0alpha2', '1.0b1', '1.0beta2', '1.0pre1', '1.0rc1', '1.0'],
  ['3.0rc2_bin', '3.0', '3.0.1'],
  // OpenSSH's pN is a patch level, after the release.
  ['9.3', '9.3p1', '9.3p2', '9.4p1'],
  // Version-control snapshots rank below every numbered version (GoboLinux's GuessLatest), and among
  // themselves by the rest of the string.
  ['1.0-git', '2.0-git', '2.0-SVN', 'bzr', 'cvs', 'git', 'hg', 'svn', '~1', '0.0.1', '0.10', '1.0rc1', '1.0'],
  ['git', '0', '1.0.0-alpha'],
  ['2.0-git-r1', '2.0-git-r2', '0.1-r1'],
];

test('table of real cases', () => {
  for (const row of ascending) {
    for (let i = 0; i + 1 < row.length; i++) {
      assert.ok(compareVersions(row[i], row[i + 1]) < 0, `${row[i]} < ${row[i + 1]}`);
      assert.ok(compareVersions(row[i + 1], row[i]) > 0, `${row[i + 1]} > ${row[i]}`);
    }
  }
});

test('coercion: 4.4 and 4.4.0 mean the same version, yet sort deterministically', () => {
  assert.is(compareVersionValues('4.4', '4.4.0'), 0);
  assert.is(compareVersionValues('007', '7'), 0);
  assert.ok(compareVersions('4.4', '4.4.0') !== 0);
  assert.equal(sortNewestFirst(['4.4.0', '4.4']), sortNewestFirst(['4.4', '4.4.0']));
});

test('semver where it applies', () => {
  assert.ok(compareVersions('1.0.0-1', '1.0.0-alpha') < 0, 'numeric pre-release identifiers first');
  assert.ok(compareVersions('1.2.3', '1.10.0') < 0);
});

// A small deterministic generator of version-like strings, including hostile ones.
function* randomVersions(seed: number, count: number): Generator<string> {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  const pieces = [
    '0',
    '1',
    '2',
    '10',
    '007',
    '20231105',
    'a',
    'k',
    'rc',
    'beta',
    'r',
    'esr',
    '~',
    '.',
    '-',
    '_',
    '+',
    '-r1',
    '-r10',
    'git',
    'SVN',
    '-git',
    '_cvs',
    'hg',
  ];
  for (let i = 0; i < count; i++) {
    let v = String(next(5));
    for (let j = next(6); j > 0; j--) v += pieces[next(pieces.length)];
    yield v;
  }
}

test('total order: reflexive, antisymmetric, transitive, total', () => {
  const versions = [...new Set([...randomVersions(42, 400), ...ascending.flat()])];
  const sign = (a: string, b: string) => Math.sign(compareVersions(a, b));
  for (const a of versions) {
    assert.is(sign(a, a), 0, a);
    for (const b of versions) {
      assert.is(sign(a, b), -sign(b, a), `${a} vs ${b}`);
      if (a !== b) assert.ok(sign(a, b) !== 0, `${a} and ${b} are distinct`);
    }
  }
  // Transitivity on the sorted list: every pair must agree with the sorted positions.
  const sorted = [...versions].sort(compareVersions);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++)
      assert.ok(sign(sorted[i], sorted[j]) < 0, `${sorted[i]} < ${sorted[j]}`);
  }
});

test('a snapshot is below every numbered version, whatever its number', () => {
  for (const v of ['git', 'GIT', 'svn', 'cvs', 'bzr', 'hg', '99.0-git', '2.0-svn', '3_cvs', '1.0-git-r3']) {
    for (const numbered of ['0', '0.0.1', '1.0rc1', '~1', '2.0', '20231105', '1.0.2k'])
      assert.ok(compareVersionValues(v, numbered) < 0, `${v} < ${numbered}`);
  }
  // A word that only ends in the letters is no snapshot.
  for (const v of ['1.0digit', 'legit', '2.0-tsvn']) assert.ok(compareVersionValues(v, '0.1') > 0, `${v} is numbered`);
});

test('sorting does not depend on input order', () => {
  const versions = [...randomVersions(7, 200)];
  assert.equal([...versions].sort(compareVersions), [...versions].reverse().sort(compareVersions));
});

test.run();
