import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileEnvironment } from '../src/overlay/environment.js';
import { applyEnvOps } from '../src/overlay/execute.js';
import { viewEnvironment } from '../src/overlay/view-env.js';
import { makeTree } from './helpers/tree.js';
import path from 'node:path';
import { runner } from './helpers/run.js';

// Compiled to operations, applied by the executor's own code (through the addon).
function apply(text: string, base: Record<string, string> = {}) {
  const { ops, problems } = compileEnvironment(text, 'Env');
  return { env: applyEnvOps(ops, base).env, problems };
}

test('the forms real GoboLinux Environment files use', () => {
  const result = apply(`# comment
export JAVA_HOME=/Programs/JDK/Current
export PATH=$PATH:$JAVA_HOME/bin
export MANPATH="\${MANPATH}:/x y/man"
QT_PLUGIN_PATH='/literal $HOME'
export GREETING="say \\"hi\\" for \\$5"
export EMPTY=
export KEPT

export TRAILING=value # a comment
`, { PATH: '/usr/bin', MANPATH: '/m', KEPT: 'k' });
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
  const result = apply('export A=1\nunset B\nexport C=$(uname)\nexport D=two words\nexport E="open\nexport F=`id`\nexport G=ok\n');
  assert.equal(result.problems.map((p) => `${p.file}:${p.line}: ${p.message}`), [
    "Env:2: 'unset B' is not an assignment (expected 'export VAR=value')",
    "Env:3: command substitution '$(...)' is not supported",
    "Env:4: unexpected 'words' after the value (quote values that contain spaces)",
    'Env:5: unterminated double quote',
    'Env:6: command substitution with backquotes is not supported',
  ]);
  assert.is(result.env.get('A'), '1');
  assert.is(result.env.get('G'), 'ok');
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
  const map = Object.fromEntries(applyEnvOps(ops, { PATH: '/usr/bin', ORDER: 'base', RUNNER_CALLER_STATE: 'fds=3' }).env);
  assert.is(map.RUNNER_CALLER_STATE, undefined, "runner-front's record is not the program's");
  assert.equal(problems, []);
  assert.is(map.PATH, '/S/Index/bin:/usr/bin');
  assert.is(map.LD_LIBRARY_PATH, '/S/Index/lib:/S/Index/lib64');
  assert.is(map.GOBOLINUX_RUNNER, '1');
  assert.is(map.ORDER, 'base top bottom');
  assert.is(map.WHO, 'bottom', 'the program (lowest layer) has the last word');
  assert.is(map.SPACED, 'a  b');
});

test('end to end: the launched program gets its layers\' Environment; -E turns it off', () => {
  const root = makeTree({
    programs: {
      Lib: { '1': { env: 'export LIB_HOME=/opt/lib\nexport SHARED="from lib"\n' } },
      App: { '1': { deps: 'Lib\n', env: 'export GREETING="hello  $LIB_HOME"\nexport SHARED="from app"\nsource /etc/profile\n', files: { 'bin/app': '#!/bin/sh\nprintf "%s|%s|%s\\n" "$GREETING" "$SHARED" "$GOBOLINUX_RUNNER"\n' } } },
    },
  });
  const app = path.join(root, 'Programs/App/1/bin/app');
  const seen = runner(['--root', root, app]);
  assert.is(seen.stdout, 'hello  /opt/lib|from app|1\n', "App builds on Lib's variables and has the last word");
  assert.is(seen.stderr, `Runner: warning: ${root}/Programs/App/1/Resources/Environment:3: 'source /etc/profile' is not an assignment (expected 'export VAR=value'); line ignored\n`);
  assert.is(runner(['--root', root, '-E', '-q', app]).stdout, '||1\n');
});

test.run();
