// Shell completion (`Runner --completion bash|zsh|fish`), driven through each shell's own
// completion machinery: bash's COMP_WORDS and the completion function, zsh's completion widget in
// an interactive zsh on a pseudo-terminal (zpty), fish's `complete -C`. View names come from a
// live named view, program names and versions from the tree given with --root.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { projectRoot } from './helpers/run.js';
import { rootTests } from './helpers/suite.js';
import { linkIndex, makeTree, tempDir } from './helpers/tree.js';
import { envAs } from './helpers/users.js';
import { OPTIONS } from '../src/cli/options.js';

const test = rootTests(import.meta.url, 'a live named view, built as root');

const root = makeTree({
  programs: {
    Greet: {
      '1.0': { files: { 'bin/greet': '#!/bin/sh\necho 1.0\n' } },
      '2.0': { files: { 'bin/greet': '#!/bin/sh\necho 2.0\n' } },
    },
    Sleeper: { '1.0': { files: { 'bin/sleeper': '#!/bin/sh\necho started\nexec sleep 300\n' } } },
  },
  current: { Greet: '2.0', Sleeper: '1.0' },
});
linkIndex(root, { Greet: '2.0', Sleeper: '1.0' });
// `Runner` on PATH, as a user who installed it has it.
const bin = tempDir('runner-completion-bin-');
fs.symlinkSync(path.join(projectRoot, 'bin/Runner'), path.join(bin, 'Runner'));
const env = { ...envAs('root'), PATH: `${bin}:${process.env.PATH}` };

const shell = (command: string, args: string[], input?: string) => {
  const result = spawnSync(command, args, { encoding: 'utf8', env, input, cwd: root, timeout: 60_000 });
  assert.is(result.status, 0, `${command}: ${result.stderr}`);
  return result.stdout;
};

/** bash: the words typed so far, the last one being completed; what the completion function offers. */
function bashOffers(line: string): string[] {
  const script = `source <(Runner --completion bash)
complete -p Runner >/dev/null || exit 9
COMP_WORDS=(${line}); [[ ${JSON.stringify(line)} == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_Runner
printf '%s\\n' "\${COMPREPLY[@]}"`;
  return shell('bash', ['-c', script]).split('\n').filter(Boolean).sort();
}

/** fish: `complete -C` is what fish shows for the line. */
function fishOffers(line: string): string[] {
  const out = shell('fish', ['--no-config', '-c', `Runner --completion fish | source; complete -C '${line}'`]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0])
    .sort();
}

/**
 * zsh: an interactive zsh on a pseudo-terminal (zpty) types `line`, presses Tab, and a widget bound
 * to ^X writes the edit buffer to a file: what completion put on the line.
 */
function zshCompletes(line: string): string {
  const out = path.join(tempDir('runner-zsh-'), 'buffer');
  const script = `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'autoload -Uz compinit; compinit -u -D; source <(Runner --completion zsh)'
zpty -w z 'show() { print -r -- "$BUFFER" >${out}; }; zle -N show; bindkey "^X" show'
zpty -w -n z ${JSON.stringify(line)}$'\\t'
sleep 2
zpty -w -n z $'\\x18'
for i in {1..50}; do [[ -s ${out} ]] && break; sleep 0.1; done
zpty -d z`;
  shell('zsh', ['-f', '-c', script]);
  return fs.readFileSync(out, 'utf8').replace(/\n$/, '');
}

test('bash: options, closed values, programs and versions from --root, files for -d', () => {
  assert.equal(bashOffers('Runner --res'), ['--resolve']);
  assert.equal(bashOffers(`Runner --root ${root} --resolve Gr`), ['Greet', 'Greet/1.0', 'Greet/2.0']);
  assert.equal(bashOffers(`Runner --root=${root} --with S`), ['Sleeper', 'Sleeper/1.0']);
  assert.equal(bashOffers('Runner -a i'), ['i386', 'i686']);
  assert.equal(bashOffers('Runner --kill x --signal K'), ['KILL']);
  assert.equal(bashOffers('Runner --color n'), ['never']);
  assert.equal(bashOffers('Runner -d Sys'), ['System']);
  // Every option of the table is offered (but --complete, the scripts' own).
  const all = bashOffers('Runner -');
  for (const key of Object.keys(OPTIONS)) if (key !== 'complete') assert.ok(all.includes(`--${key}`), key);
});

test('bash, zsh and fish: the names of live views for --enter, --kill and --rename', () => {
  const view = spawn(path.join(projectRoot, 'bin/Runner'), ['--root', root, '--name', 'alpha-view', 'sleeper'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const until = Date.now() + 15_000;
    while (
      !spawnSync(path.join(projectRoot, 'bin/Runner'), ['--complete', 'views'], {
        encoding: 'utf8',
        env,
      }).stdout.includes('alpha-view')
    ) {
      if (Date.now() > until) throw new Error('the view did not come up');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    assert.equal(bashOffers('Runner --enter al'), ['alpha-view']);
    assert.equal(bashOffers('Runner --kill al'), ['alpha-view']);
    assert.equal(fishOffers('Runner --enter al'), ['alpha-view']);
    assert.is(zshCompletes('Runner --enter al'), 'Runner --enter alpha-view ');
  } finally {
    spawnSync(path.join(projectRoot, 'bin/Runner'), ['--kill', 'alpha-view'], { env });
    view.kill('SIGKILL');
  }
});

test('fish: options, closed values, programs and versions', () => {
  assert.ok(fishOffers('Runner --res').includes('--resolve'));
  assert.equal(fishOffers(`Runner --root ${root} --resolve Gr`), ['Greet', 'Greet/1.0', 'Greet/2.0']);
  assert.equal(fishOffers('Runner --arch i'), ['i386', 'i686']);
  assert.equal(fishOffers('Runner --signal K'), ['KILL']);
});

test('zsh: options, closed values, programs and versions, through the completion widget', () => {
  assert.is(zshCompletes('Runner --resol'), 'Runner --resolve ');
  assert.is(zshCompletes(`Runner --root ${root} --resolve Sl`), `Runner --root ${root} --resolve Sleeper`);
  assert.is(zshCompletes('Runner --arch x'), 'Runner --arch x86_64 ');
  assert.is(zshCompletes('Runner --kill v --signal KI'), 'Runner --kill v --signal KILL ');
});

test.run();
