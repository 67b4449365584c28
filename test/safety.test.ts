// Hostile and unusual trees (issue 9): nothing outside the view is ever removed or written, reads
// are bounded, and every failure is one line with a documented exit code.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { linkIndex, makeTree, tempDir, writeFile } from './helpers/tree.js';
import { ensureTestUser, envAs, runnerAs, runnerCommand, shareTree, TEST_USER, type As } from './helpers/users.js';

const SHOW = '#!/bin/sh\necho "lib=$(ls ${LD_LIBRARY_PATH%%:*} | tr \'\\n\' \' \')"\n';

/**
 * Y 1.0 supplies `lib/sub` as a directory symlink that, seen from System/Index/lib, leads out of
 * the tree into `victimdir`; the Index shows Y 2.0 with a real `lib/sub/victim` entry, which
 * conflict removal puts on its list. Removing it through the link would delete the host's file.
 */
function hostileRemovalWorld(who: As): { root: string; victim: string } {
  ensureTestUser();
  const base = tempDir('runner-hostile-');
  const root = path.join(base, 'tree');
  makeTree(
    {
      programs: {
        Y: { '1.0': { files: { 'lib/liby.so.1': 'one' } }, '2.0': { files: { 'lib/sub/victim': 'index entry', 'lib/liby.so.2': 'two' } } },
        App: { '1.0': { deps: 'Y < 2.0\n', files: { 'bin/app': SHOW } } },
      },
      current: { Y: '2.0', App: '1.0' },
    },
    root,
  );
  fs.symlinkSync('../../../../victimdir', path.join(root, 'Programs/Y/1.0/lib/sub'));
  linkIndex(root, { Y: '2.0', App: '1.0' });
  const victim = path.join(base, 'victimdir/victim');
  writeFile(victim, 'precious\n');
  shareTree(base);
  if (who === 'user') spawnSync('chown', ['-R', TEST_USER, path.join(base, 'victimdir')]);
  return { root, victim };
}

for (const who of ['root', 'user'] as As[]) {
  test(`${who}: conflict removal never follows a layer's directory symlink out of the view`, () => {
    const { root, victim } = hostileRemovalWorld(who);
    const plan = runnerAs(who, ['--root', root, '--dry-run', 'app']);
    assert.match(plan.stdout, /remove .*System\/Index\/lib\/sub\/victim/, 'the trap is on the removal list');
    const seen = runnerAs(who, ['--root', root, 'app']);
    assert.is(seen.status, 0, seen.stderr);
    assert.match(seen.stdout, /liby\.so\.1/);
    assert.match(seen.stderr, /warning: not removing .*lib\/sub\/victim: .* a symlink is never followed/);
    assert.is(fs.readFileSync(victim, 'utf8'), 'precious\n', 'the host file survives');
  });
}

test('root: -f also covers a namespace that cannot be created', () => {
  const { root } = hostileRemovalWorld('root');
  // Root without CAP_SYS_ADMIN: unshare(CLONE_NEWNS) fails with EPERM.
  const command = ['setpriv', '--bounding-set=-all', '--inh-caps=-all', ...runnerCommand('root', ['--root', root, '-f', 'app'])];
  const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8', env: envAs('root') });
  assert.match(result.stderr, /^Runner: warning: unshare\(CLONE_NEWNS\): Operation not permitted; running without the private view \(-f\)$/m);
  assert.is(result.status, 0, result.stderr);
  const without = spawnSync(command[0], command.filter((w) => w !== '-f').slice(1), { encoding: 'utf8', env: envAs('root') });
  assert.is(without.status, 122, without.stderr);
});

test.run();
