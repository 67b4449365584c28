import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { binaryProblem, formatProblem, parseDependencies } from '../src/resolver/dependencies.js';
import { projectRoot } from './helpers/run.js';

const parse = (text: string, strict = false) => parseDependencies(text, 'Deps', { strict });
const only = (text: string, strict = false) => {
  const result = parse(text, strict);
  assert.equal(result.problems, [], `problems in ${JSON.stringify(text)}`);
  assert.is(result.requirements.length, 1);
  return result.requirements[0];
};
const samples = path.join(projectRoot, 'test/data/dependencies');
const sample = (name: string) => parseDependencies(fs.readFileSync(path.join(samples, name), 'utf8'), name);

test('a name alone has no constraints', () => {
  const r = only('Bash');
  assert.equal(r.alternatives, [{ name: 'Bash', constraints: [] }]);
});

test('a bare version means >= by default and = under --strict', () => {
  assert.equal(only('Glibc 2.24').alternatives[0].constraints, [{ op: '>=', version: '2.24' }]);
  assert.equal(only('Glibc 2.24', true).alternatives[0].constraints, [{ op: '=', version: '2.24' }]);
});

test('operators with and without spaces, all parts intersected', () => {
  for (const text of ['Foo>=1.0,<2.0', 'Foo >= 1.0, < 2.0', 'Foo>= 1.0 ,<2.0']) {
    assert.equal(
      only(text).alternatives[0].constraints,
      [
        { op: '>=', version: '1.0' },
        { op: '<', version: '2.0' },
      ],
      text,
    );
  }
  const ops = only('X > 1, <= 5, != 3, == 4, = 4').alternatives[0].constraints.map((c) => c.op);
  assert.equal(ops, ['>', '<=', '!=', '==', '=']);
});

test('comments, use flags, CRLF and blank lines', () => {
  const result = parse(
    '# header\r\n\r\nGConf >= 1.2.1 [gconf,gnome]\r\n   \nPerl # RecipeLint\n#LibPNG >= 1.2\nDBus 1.0 [dbus] # x\n',
  );
  assert.equal(result.problems, []);
  assert.equal(
    result.requirements.map((r) => [r.name, r.line, r.text]),
    [
      ['GConf', 3, 'GConf >= 1.2.1'],
      ['Perl', 5, 'Perl'],
      ['DBus', 7, 'DBus 1.0'],
    ],
  );
});

test('| alternatives inherit the name until a new one is given', () => {
  const r = only('GCC < 4.0.0 | >= 4.1.0, != 4.1.2 | ICC > 2.0.0');
  assert.equal(r.alternatives, [
    { name: 'GCC', constraints: [{ op: '<', version: '4.0.0' }] },
    {
      name: 'GCC',
      constraints: [
        { op: '>=', version: '4.1.0' },
        { op: '!=', version: '4.1.2' },
      ],
    },
    { name: 'ICC', constraints: [{ op: '>', version: '2.0.0' }] },
  ]);
});

test('alien names are recognised', () => {
  const result = sample('Recipe-Format-Specification--example');
  assert.equal(result.problems, []);
  assert.equal(
    result.requirements.map((r) => [r.name, r.alien]),
    [
      ['GCC', false],
      ['Qt', false],
      ['LuaRocks:luafilesystem', true],
      ['CPAN:XML::Parser', true],
    ],
  );
});

test('GoboLinux version strings and names with + are accepted', () => {
  assert.equal(sample('Wine-1.8.5--Dependencies').problems, []);
  assert.equal(
    sample('Wine-1.8.5--Dependencies').requirements.map((r) => r.text),
    ['JPEG >= 6b', 'OpenSSL 0.9.7f', 'FreeType >= 2', 'Bison', 'CUPS'],
  );
  assert.equal(only('GTK+ >= 2.10.0, != 2.13.1').name, 'GTK+');
  assert.equal(only('SQLite >= 3.6.16.1').alternatives[0].constraints[0].version, '3.6.16.1');
});

test('every clean real sample parses without problems', () => {
  for (const name of fs.readdirSync(samples)) {
    if (/README|CompatibilityList|Malformed|Scripts--|real-lines/.test(name)) continue;
    assert.equal(sample(name).problems, [], name);
  }
});

test("the Scripts package's real typo is reported with line and column", () => {
  const result = sample('Scripts--Dependencies');
  assert.is(result.problems.length, 1);
  assert.is(
    formatProblem(result.problems[0]),
    "Scripts--Dependencies:4:13: '0' has no operator (a bare version may only come first; is a ',' meant to be a '.'?)",
  );
  assert.is(result.requirements.length, 5, 'the other lines still parse');
});

test('a stray % line is reported, not skipped', () => {
  const result = sample('Malformed--stray-percent');
  assert.equal(result.problems.map(formatProblem), ["Malformed--stray-percent:2:1: unexpected '%'"]);
});

test('names that could leave Programs are rejected', () => {
  for (const bad of ['../etc >= 1', 'Foo/Bar', '..']) {
    const result = parse(bad);
    assert.is(result.problems.length, 1, bad);
  }
  assert.match(parse('Foo..Bar 1').problems[0].message, /not a program name/);
});

test('malformed constraints name what is wrong', () => {
  const cases: Record<string, RegExp> = {
    'Foo >=': /operator '>=' has no version/,
    'Foo >= 1.0,': /empty version constraint/,
    'Foo >= 1.0 | ': /empty alternative/,
    '>= 1.0': /starts with a version/,
    'Foo >= 1.0$': /unexpected '\$'/,
    'Mesa >= 6.4 Recommended (Unversioned)': /unexpected 'Recommended' after a version/,
    'Foo | | Bar': /empty alternative/,
    'Foo(1.0)': /unexpected '\('/,
  };
  for (const [text, message] of Object.entries(cases)) {
    const result = parse(text);
    assert.is(result.problems.length, 1, text);
    assert.match(result.problems[0].message, message, text);
  }
});

/** real-lines.txt: `## pattern (N lines in the collection)` groups of `# Program/Version line N` + line. */
function realGroups(): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  let group = '';
  for (const line of fs.readFileSync(path.join(samples, 'real-lines.txt'), 'utf8').split('\n')) {
    if (line.startsWith('## ')) groups.set((group = line.slice(3).replace(/ \(.*$/, '')), []);
    else if (group && line.trim() !== '' && !line.startsWith('#')) groups.get(group)?.push(line);
  }
  return groups;
}

test('real lines of the recipe collection: every pattern read as GoboLinux means it', () => {
  const groups = realGroups();
  const all = (group: string) => {
    const lines = groups.get(group);
    assert.ok(lines && lines.length > 0, group);
    return lines.map((line) => ({ line, ...parse(line) }));
  };
  for (const { line, requirements, problems, fixes } of all('no comma between constraints')) {
    assert.equal(problems, [], line);
    assert.is(requirements[0].alternatives[0].constraints.length, 2, line);
    assert.match(fixes[0].message, /missing ',' before '<=?'; read as two constraints/, line);
  }
  assert.equal(parse('Qt >= 3.3.2 < 4.0').requirements[0].alternatives[0].constraints, [
    { op: '>=', version: '3.3.2' },
    { op: '<', version: '4.0' },
  ]);
  for (const { line, requirements, fixes } of all('=> operator')) {
    assert.is(requirements[0].alternatives[0].constraints[0].op, '>=', line);
    assert.is(formatProblem(fixes[0]), "Deps:1:5: '=>' read as '>='", line);
  }
  for (const { line, requirements, problems } of all('use flags')) {
    assert.equal(problems, [], line);
    assert.ok(requirements[0].optional, line);
  }
  for (const { line, requirements, problems } of all('alternatives')) {
    assert.equal(problems, [], line);
    assert.ok(requirements[0].alternatives.length >= (line.includes('#') ? 1 : 2), line);
  }
  const perl = parse('CPAN:XML::Writer 0.4.1 [perl] | Perl-XML-Writer 0.4.1 [perl]').requirements[0];
  assert.equal(
    perl.alternatives.map((a) => a.name),
    ['CPAN:XML::Writer', 'Perl-XML-Writer'],
    'flags on each alternative',
  );
  assert.ok(perl.optional && perl.alien);
  for (const { line, requirements } of all('alien'))
    assert.ok(
      requirements[0].alternatives.some((a) => a.name.includes(':')),
      line,
    );
  for (const { line, problems } of all('other case than the installed name')) assert.equal(problems, [], line);
  for (const { line, requirements, problems } of all('prose after the version')) {
    assert.equal(requirements, [], line);
    assert.is(
      formatProblem(problems[0]),
      "Deps:1:13: unexpected 'Recommended' after a version (only constraints may follow)",
    );
  }
});

test('names that start with a digit are programs; later alternatives tell names by a capital', () => {
  for (const name of ['3DDesktop', '7Zip', '915Resolution', '9WM']) assert.is(only(`${name} >= 1.0`).name, name);
  assert.equal(
    only('Foo < 2 | 7Zip | >= 3.0').alternatives.map((a) => a.name),
    ['Foo', '7Zip', '7Zip'],
  );
  assert.equal(only('Foo < 2 | 3.0').alternatives[1], { name: 'Foo', constraints: [{ op: '>=', version: '3.0' }] });
  assert.match(parse('1.0').problems[0].message, /starts with a version/);
});

test('binary content is recognised before parsing', () => {
  const elf = fs.readFileSync(process.execPath).subarray(0, 4096);
  assert.match(binaryProblem(elf) ?? '', /ELF binary/);
  assert.match(binaryProblem(Buffer.from([0x41, 0, 0x42])) ?? '', /NUL/);
  assert.match(binaryProblem(Buffer.from([0xff, 0xfe, 0x41])) ?? '', /UTF-8/);
  assert.is(binaryProblem(Buffer.from('Bash 4.4\n')), undefined);
});

test.run();
