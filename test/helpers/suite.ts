// Test files whose tests need root (namespaces and mounts as root, the unprivileged test user they
// create, loop devices). Run by another user, their tests are counted as skipped, and the run ends
// with one line per such file saying why, after uvu's totals.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as uvuTest } from 'uvu';
import { isRoot } from './users.js';

const skipped: string[] = [];
process.on('exit', () => {
  for (const line of skipped) if (line) console.log(line);
});

/**
 * uvu's `test` as root; otherwise one whose tests are skipped, counted, and the file named at the
 * end with the count. A file all of whose tests need root uses it as its `test`; another, for
 * those of its tests that do.
 */
export function rootTests(moduleUrl: string, why: string): typeof uvuTest {
  if (isRoot()) return uvuTest;
  const file = path.basename(fileURLToPath(moduleUrl));
  let count = 0;
  const at = skipped.push('') - 1;
  const skipping = ((name: string, fn: Parameters<typeof uvuTest>[1]) => {
    skipped[at] = `skipped ${file}: ${++count} ${count === 1 ? 'test needs' : 'tests need'} root (${why})`;
    uvuTest.skip(name, fn);
  }) as typeof uvuTest;
  return Object.assign(skipping, { ...uvuTest, only: uvuTest.skip, skip: uvuTest.skip, run: uvuTest.run });
}
