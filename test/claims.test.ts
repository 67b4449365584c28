// Claims on view names, when launches race to take over one that a killed launch left: exactly one
// of them may end up holding it. The interleaving is made, not hoped for: the `live` question that
// a launch asks between reading the dead holder and taking the claim over is where the other
// launch is made to take it over first.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { claimFile, claimName } from '../src/views/registry.js';
import { tempDir } from './helpers/tree.js';

/** A claim left by a launch that was killed: its process is gone. */
function deadClaim(dir: string, name: string): void {
  const gone = spawnSync('true').pid as number;
  fs.writeFileSync(claimFile(dir, null, name), JSON.stringify({ id: 'dddddddddddddddd', pid: gone, start: '1' }));
}

test('two launches that both found a dead claim: the later one joins the claim the other made meanwhile', () => {
  const dir = tempDir('runner-claims-');
  deadClaim(dir, 'shared');
  let second: string | undefined | null = null;
  const firstHolds = claimName(dir, null, 'shared', 'aaaaaaaaaaaaaaaa', () => {
    // The first launch has read the dead holder; the second takes the claim over now.
    second ??= claimName(dir, null, 'shared', 'bbbbbbbbbbbbbbbb', () => false);
    return false;
  });
  assert.is(second, undefined, 'the second launch took the dead claim over');
  assert.is(firstHolds, 'bbbbbbbbbbbbbbbb', 'the first launch joins the second one: one holder');
  assert.is(JSON.parse(fs.readFileSync(claimFile(dir, null, 'shared'), 'utf8')).id, 'bbbbbbbbbbbbbbbb');
  assert.equal(fs.readdirSync(dir), [claimFile(dir, null, 'shared').slice(dir.length + 1)], 'nothing else left');
});

test('a dead claim alone is taken over', () => {
  const dir = tempDir('runner-claims-');
  deadClaim(dir, 'alone');
  assert.is(
    claimName(dir, null, 'alone', 'cccccccccccccccc', () => false),
    undefined,
  );
  assert.is(JSON.parse(fs.readFileSync(claimFile(dir, null, 'alone'), 'utf8')).id, 'cccccccccccccccc');
});

test.run();
