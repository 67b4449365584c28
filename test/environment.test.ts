import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { callerVariablesRead, compileEnvironment } from '../src/overlay/environment.js';
import { applyEnvOps } from '../src/run/execute.js';
import { viewEnvironment } from '../src/overlay/view-env.js';
import path from 'node:path';
import { runner } from './helpers/run.js';
import { rng } from './helpers/planted.js';
import { makeTree, tempDir } from './helpers/tree.js';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

// Compiled to operations, applied by the executor's own code (through the addon).
function apply(text: string, base: Record<string, string> = {}) {
  const { ops, problems } = compileEnvironment(text, 'Env');
  return { env: applyEnvOps(ops, base).env, problems };
}

test('the forms real GoboLinux Environment files use', () => {
  const result = apply(
    `# comment
export JAVA_HOME=/Programs/JDK/Current
export PATH=$PATH:$JAVA_HOME/bin
export MANPATH="\${MANPATH}:/x y/man"
QT_PLUGIN_PATH='/literal $HOME'
export GREETING="say \\"hi\\" for \\$5"
export EMPTY=
export KEPT

export TRAILING=value # a comment
`,
    { PATH: '/usr/bin', MANPATH: '/m', KEPT: 'k' },
  );
  assert.equal(result.problems, []);
  assert.equal(Object.fromEntries(result.env), {
    PATH: '/usr/bin:/Programs/JDK/Current/bin',
    MANPATH: '/m:/x y/man',
    KEPT: 'k',
    JAVA_HOME: '/Programs/JDK/Current',
    QT_PLUGIN_PATH: '/literal $HOME',
    GREETING: 'say "hi" for $5',
    EMPTY: '',
    TRAILING: 'value',
  });
});

test('anything else is a problem naming file and line, and the rest still applies', () => {
  const result = apply(
    'export A=1\nsource /etc/profile\nexport C=$(uname)\nD=two words\nexport E="open\nexport F=`id`\nexport G=ok\nH=${#G}\nI=$1; J=~root\n',
    { HOME: '/h' },
  );
  assert.equal(
    result.problems.map((p) => `${p.file}:${p.line}: ${p.message}`),
    [
      "Env:2: 'source /etc/profile' is not an assignment (expected 'export VAR=value')",
      "Env:3: command substitution '$(...)' is not supported",
      "Env:4: 'D=two words' is not an assignment (expected 'export VAR=value')",
      'Env:5: unterminated double quote',
      'Env:6: command substitution with backquotes is not supported',
      "Env:8: unsupported expansion '${#G}' (Runner applies ${VAR}, ${VAR-word}, ${VAR:-word}, ${VAR+word} and ${VAR:+word})",
      "Env:9: '$1' (a parameter of a running shell) is not supported",
      "Env:9: '~root' (another user's home) is not supported",
    ],
  );
  assert.is(result.env.get('A'), '1');
  assert.is(result.env.get('G'), 'ok');
  assert.is(result.env.get('D'), undefined);
});

// GoboLinux's Scripts package, Resources/Environment (gobolinux/Scripts on GitHub), whole.
const SCRIPTS_ENVIRONMENT = `alias l='List'
alias g='GrepQuick'
alias f='FindQuick'
alias e='Edit'
alias run='Runner'

alias make='ColorMake'

#export LANG=en_US
#export LC_ALL=en_US
#export LC_CTYPE=en_US

export XDG_CONFIG_DIRS="\${goboSettings}/xdg"
export XDG_DATA_DIRS="\${goboVariable}/xdg:\${goboShared}\${XDG_DATA_DIRS:+:\${XDG_DATA_DIRS}}"
`;

/** What a shell that sources `text` (every assignment exported) leaves in the variables `names`. */
function sourcedBy(
  shell: string,
  text: string,
  base: Record<string, string>,
  names: readonly string[],
): Record<string, string> {
  const file = path.join(tempDir(), 'Environment');
  fs.writeFileSync(file, text);
  const result = spawnSync(
    'env',
    ['-i', ...Object.entries(base).map(([k, v]) => `${k}=${v}`), shell, '-c', 'set -a; . "$1"; env -0', 'sh', file],
    { encoding: 'utf8' },
  );
  assert.is(result.status, 0, result.stderr);
  const env: Record<string, string> = {};
  for (const entry of result.stdout.split('\0').filter(Boolean)) {
    const name = entry.slice(0, entry.indexOf('='));
    if (names.includes(name)) env[name] = entry.slice(name.length + 1);
  }
  return env;
}

test("a real file: Scripts' aliases do nothing, its ${VAR:+...} applies as a shell applies it", () => {
  const bases: Record<string, string>[] = [
    {
      goboSettings: '/S/Settings',
      goboVariable: '/S/Variable',
      goboShared: '/S/Index/share',
      XDG_DATA_DIRS: '/usr/share:/opt/share',
    },
    { goboShared: '/share', XDG_DATA_DIRS: '' },
    {},
  ];
  for (const base of bases) {
    const result = apply(SCRIPTS_ENVIRONMENT, base);
    assert.equal(result.problems, []);
    const names = [...Object.keys(base), 'XDG_CONFIG_DIRS', 'XDG_DATA_DIRS'];
    for (const shell of ['dash', 'bash'])
      assert.equal(
        Object.fromEntries([...result.env].sort()),
        Object.fromEntries(Object.entries(sourcedBy(shell, SCRIPTS_ENVIRONMENT, base, names)).sort()),
        shell,
      );
  }
  assert.is(
    apply(SCRIPTS_ENVIRONMENT, { goboShared: '/share', XDG_DATA_DIRS: '/a' }).env.get('XDG_DATA_DIRS'),
    '/xdg:/share:/a',
  );
  assert.is(apply(SCRIPTS_ENVIRONMENT, { goboShared: '/share' }).env.get('XDG_DATA_DIRS'), '/xdg:/share');
});

// Generated files in the part of shell Runner applies: the result must be what dash and bash give.
const NAMES = ['A', 'B', 'C', 'X', 'EMPTY', 'U', 'HOME', 'SP'];
const BASE = { X: 'x1', EMPTY: '', HOME: '/home/u', SP: 'a  b' };

function generatedEnvironment(next: (n: number) => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[next(xs.length)];
  const literal = () => pick('abz09/._,=+@%-:'.split(''));
  const expansion = (depth: number, quoted: boolean): string => {
    const name = pick(NAMES);
    const kind = next(6);
    if (kind === 0) return `$${name}`;
    if (kind === 1) return `\${${name}}`;
    let word = '';
    for (let i = next(4); i > 0; i--)
      word += pick([
        () => `$${pick(NAMES)}`,
        () => (depth < 2 ? expansion(depth + 1, quoted) : literal()),
        () => (quoted ? ' ' : "'q $r'"),
        () => '\\$',
        () => pick(['~/', ':~/d', '~:', '\\~']),
        literal,
        literal,
      ])();
    return `\${${name}${pick(['-', ':-', '+', ':+'])}${word}}`;
  };
  const doubleQuoted = () => {
    let text = '';
    for (let i = next(5); i > 0; i--)
      text += pick([
        () => expansion(0, true),
        () => expansion(0, true),
        () => pick(['\\"', '\\$', '\\\\', '\\n', "'", ' ', '#', ';', '~', '\n', '\\\n']),
        literal,
        literal,
      ])();
    return `"${text}"`;
  };
  const value = () => {
    let text = '';
    for (let i = next(5); i > 0; i--)
      text += pick([
        () => expansion(0, false),
        () => expansion(0, false),
        doubleQuoted,
        () => `'${pick(['', 'a b', '$X', '"', '\\', 'x\ny', '~'])}'`,
        () => pick(['~/', ':~/d', '~:', '~=', '\\ ', '\\;', '\\a', '$/', '\\\n']),
        literal,
        literal,
        literal,
      ])();
    return text;
  };
  const assignment = () => `${pick(NAMES)}=${value()}`;
  const command = () => {
    const kind = next(8);
    if (kind === 0) return `unset ${pick(NAMES.filter((n) => n !== 'HOME'))}`;
    if (kind === 1) return pick(["alias l='List'", 'alias g=GrepQuick', 'unalias l']);
    const assignments = Array.from({ length: 1 + next(2) }, assignment).join(' ');
    return kind <= 4 ? `export ${assignments}${next(4) === 0 ? ` ${pick(NAMES)}` : ''}` : assignments;
  };
  const lines: string[] = [];
  for (let i = 1 + next(5); i > 0; i--)
    lines.push(
      `${next(6) === 0 ? '\t' : ''}${command()}${next(4) === 0 ? `; ${command()}` : ''}${next(5) === 0 ? '  # note' : ''}`,
    );
  return lines.join('\n') + '\n';
}

// Without HOME bash looks the home up in the user database; dash, like Runner, keeps the '~'.
const { HOME: _home, ...BASE_WITHOUT_HOME } = BASE;

for (const [base, shells] of [
  [BASE, ['dash', 'bash']],
  [BASE_WITHOUT_HOME, ['dash']],
] as [Record<string, string>, string[]][]) {
  test(`generated files: what ${shells.join(' and ')} make of them, to the byte${base === BASE ? '' : ', HOME unset'}`, () => {
    const next = rng(11);
    let compared = 0;
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const text = generatedEnvironment(next);
      const result = apply(text, base);
      const want = sourcedBy('dash', text, base, NAMES);
      if (shells.includes('bash'))
        assert.equal(
          sourcedBy('bash', text, base, NAMES),
          want,
          `dash and bash differ on the generated file, which should stay in their common part:\n${text}`,
        );
      // The one thing Runner refuses here: an export whose values read what it sets, in a cycle.
      if (result.problems.length > 0) {
        assert.ok(
          result.problems.every((p) => p.message.includes('in no order operations can follow')),
          `${text}\n${JSON.stringify(result.problems)}`,
        );
        refused++;
        continue;
      }
      assert.equal(Object.fromEntries([...result.env].sort()), Object.fromEntries(Object.entries(want).sort()), text);
      compared++;
    }
    assert.ok(compared >= 270, `only ${compared} of 300 compared (${refused} refused)`);
  });
}

test("a tilde in a conditional expansion's word expands as dash expands it; without HOME it stays", () => {
  const cases: [string, string, string][] = [
    ['X=${V-:~/r}', ':/h/r', ':~/r'],
    ['X=${V-~/r}', '/h/r', '~/r'],
    ['X=${V:-a:~/r}', 'a:/h/r', 'a:~/r'],
    ['X=a${V-~/r}', 'a/h/r', 'a~/r'],
    ['X="${V-~/r}"', '~/r', '~/r'],
    ['X=${V-"~/r"}', '~/r', '~/r'],
    ['X=${V-\\~}', '~', '~'],
    ['X=${V-x~}', 'x~', 'x~'],
    ['X=~', '/h', '~'],
    ['X=${goboShared-:~/r}', ':/h/r', ':~/r'],
  ];
  for (const [line, withHome, withoutHome] of cases) {
    for (const [base, want] of [
      [{ HOME: '/h' }, withHome],
      [{}, withoutHome],
    ] as const) {
      assert.is(apply(`${line}\n`, base).env.get('X'), want, `${line} with ${JSON.stringify(base)}`);
      assert.is(sourcedBy('dash', `${line}\n`, base, ['X']).X, want, `dash: ${line}`);
    }
  }
});

test('random shell-like text: problems with a line each, never an exception, and the executor takes what compiles', () => {
  const next = rng(5);
  const pieces = [
    '$',
    '{',
    '}',
    ':',
    '-',
    '+',
    '"',
    "'",
    '\\',
    '\n',
    ' ',
    ';',
    '#',
    '~',
    '/',
    'A',
    '=',
    'export ',
    'unset ',
    'alias ',
    '(',
    '`',
    '\0',
    'é',
    '\t',
    '\r\n',
    '${A',
    '$(',
    'A=',
    '${A:-',
    '${A+',
  ];
  for (let i = 0; i < 20000; i++) {
    const text = Array.from({ length: next(40) }, () => pieces[next(pieces.length)]).join('');
    const { ops, problems } = compileEnvironment(text, 'F');
    assert.ok(
      problems.every((p) => p.line >= 1 && p.line <= text.split('\n').length && p.message !== ''),
      JSON.stringify(text),
    );
    applyEnvOps(ops, { A: 'a', HOME: '/h' }); // throws on a value the executor cannot hold (a NUL)
  }
  assert.equal(
    apply("A='x\ny\0z'\nB=ok\n").problems.map((p) => `${p.line}: ${p.message}`),
    ['1: contains a NUL byte, which no environment value can hold'],
  );
});

test("the caller's variables the plan depends on: only what PATH is made from", () => {
  const { ops } = compileEnvironment(
    'export TOOLS=/opt/tools\nexport PATH="${TOOLS}/bin:${EXTRA:+$EXTRA:}$PATH"\nexport XDG_DATA_DIRS="/s${XDG_DATA_DIRS:+:$XDG_DATA_DIRS}"\nunset GONE\n',
    'Env',
  );
  assert.equal(
    callerVariablesRead(ops, 'PATH').sort(),
    ['EXTRA', 'PATH'],
    "TOOLS is set before PATH reads it: not the caller's",
  );
  assert.equal(callerVariablesRead(ops).sort(), ['EXTRA', 'PATH', 'TOOLS', 'XDG_DATA_DIRS']);
  const prepended = viewEnvironment('/S/Index', []).ops;
  assert.equal(callerVariablesRead(prepended, 'PATH'), ['PATH']);
});

test('view environment: Index first on the search paths, GOBOLINUX_RUNNER=1, layers in layer order', () => {
  const root = makeTree({
    programs: {
      Top: { '1': { env: 'export ORDER="$ORDER top"\nexport WHO=top\n' } },
      Bottom: { '1': { env: 'export ORDER="$ORDER bottom"\nexport WHO=bottom\nexport SPACED="a  b"\n' } },
    },
  });
  const files = ['Top', 'Bottom'].map((n) => path.join(root, 'Programs', n, '1/Resources/Environment'));
  const { ops, problems } = viewEnvironment('/S/Index', files);
  const map = Object.fromEntries(
    applyEnvOps(ops, { PATH: '/usr/bin', ORDER: 'base', RUNNER_CALLER_STATE: 'fds=3' }).env,
  );
  assert.is(map.RUNNER_CALLER_STATE, undefined, "runner-front's record is not the program's");
  assert.equal(problems, []);
  assert.is(map.PATH, '/S/Index/bin:/usr/bin');
  // No PATH at all: exec's default behind the Index (what the program would have searched); an
  // empty one stays empty, as a set variable does.
  assert.is(applyEnvOps(ops, {}).env.get('PATH'), '/S/Index/bin:/bin:/usr/bin');
  assert.is(applyEnvOps(ops, { PATH: '' }).env.get('PATH'), '/S/Index/bin');
  assert.is(map.LD_LIBRARY_PATH, '/S/Index/lib:/S/Index/lib64');
  assert.is(map.GOBOLINUX_RUNNER, '1');
  assert.is(map.ORDER, 'base top bottom');
  assert.is(map.WHO, 'bottom', 'the program (lowest layer) has the last word');
  assert.is(map.SPACED, 'a  b');
});

test("end to end: the launched program gets its layers' Environment; -E turns it off", () => {
  const root = makeTree({
    programs: {
      Lib: { '1': { env: 'export LIB_HOME=/opt/lib\nexport SHARED="from lib"\n' } },
      App: {
        '1': {
          deps: 'Lib\n',
          env: 'export GREETING="hello  $LIB_HOME"\nexport SHARED="from app"\nsource /etc/profile\n',
          files: { 'bin/app': '#!/bin/sh\nprintf "%s|%s|%s\\n" "$GREETING" "$SHARED" "$GOBOLINUX_RUNNER"\n' },
        },
      },
    },
  });
  const app = path.join(root, 'Programs/App/1/bin/app');
  const seen = runner(['--root', root, app]);
  assert.is(seen.stdout, 'hello  /opt/lib|from app|1\n', "App builds on Lib's variables and has the last word");
  assert.is(
    seen.stderr,
    `Runner: warning: ${root}/Programs/App/1/Resources/Environment:3: 'source /etc/profile' is not an assignment (expected 'export VAR=value'); line ignored\n`,
  );
  assert.is(runner(['--root', root, '-E', '-q', app]).stdout, '||1\n');
});

test.run();
