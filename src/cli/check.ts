// `Runner -c/--check`: one line per requirement, what this kernel and user allow; exit 0 or 1.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { painter } from './painter.js';

const chalk = painter();
import fg from 'fast-glob';
import { loaderIn } from '../arch/loader.js';
import { ExitCode } from '../base/errors.js';
import { goboPaths } from '../resolver/paths.js';
import { helperPath } from '../base/addon.js';
import { INDEX_DIRS } from '../resolver/layers.js';
import type { Options } from './options.js';
import { out } from '../base/output.js';
import { isHostRoot, treeOthersCanChange } from '../base/root-safety.js';

interface Line {
  name: string;
  ok: boolean;
  detail: string;
  /** Said, but not needed for Runner to work (exit status ignores it). */
  optional?: boolean;
}

const LOADER = 'ld-linux.so.2';

/** Whether 32-bit x86 programs can run: IA32 emulation in the kernel, and a loader for them. */
function i686Line(programs: string): Line {
  if (os.machine() !== 'x86_64') return { name: 'i686', ok: false, detail: `${os.machine()} host`, optional: true };
  if (!fs.existsSync('/proc/sys/abi/vsyscall32'))
    return { name: 'i686', ok: false, detail: 'the kernel has no IA32 emulation', optional: true };
  // Every version's lib directories, as a launch's layers feed them (lib, then lib64).
  const libDirs = fg
    .sync('*/*/{lib,lib64}', { cwd: programs, onlyDirectories: true, followSymbolicLinks: false, deep: 3 })
    .sort();
  const inTree = loaderIn(
    libDirs.map((dir) => path.join(programs, dir)),
    LOADER,
  );
  const onHost = loaderIn(['/lib'], LOADER) !== undefined;
  const where = [
    ...(inTree ? [`loader in the tree (${path.relative(programs, inTree).split('/').slice(0, 2).join(' ')})`] : []),
    ...(onHost ? ['loader on the host (/lib/ld-linux.so.2)'] : []),
  ];
  if (where.length === 0)
    return {
      name: 'i686',
      ok: false,
      detail: 'IA32 emulation, but no ld-linux.so.2 in the tree or on the host',
      optional: true,
    };
  return { name: 'i686', ok: true, detail: `IA32 emulation; ${where.join(', ')}`, optional: true };
}

function indexLine(index: string, programs: string, trustTree: boolean): Line {
  if (!fs.existsSync(index)) return { name: 'index', ok: false, detail: `${index} does not exist` };
  const present = INDEX_DIRS.filter((d) => fs.existsSync(path.join(index, d)));
  if (present.length === 0)
    return { name: 'index', ok: false, detail: `${index} has none of ${INDEX_DIRS.join(', ')}` };
  const untrusted = isHostRoot() && !trustTree ? treeOthersCanChange(programs, index, INDEX_DIRS) : undefined;
  if (untrusted)
    return {
      name: 'index',
      ok: false,
      detail: `${untrusted}: root launches refuse this tree (--trust-tree overrides)`,
    };
  return { name: 'index', ok: true, detail: `${index} (${present.join(', ')})` };
}

function kernelLines(lower: string): Line[] {
  const result = spawnSync(helperPath, ['--check', lower], { encoding: 'utf8' });
  if (result.error) return [{ name: 'executor', ok: false, detail: `${helperPath}: ${result.error.message}` }];
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [name, verdict, ...why] = line.split(' ');
      return { name, ok: verdict === 'ok', detail: why.join(' ') };
    });
}

export async function checkAction(options: Options): Promise<number> {
  const index = goboPaths(options.root).index;
  const indexCheck = indexLine(index, goboPaths(options.root).programs, options.trustTree);
  const lower = indexCheck.ok
    ? path.join(index, INDEX_DIRS.find((d) => fs.existsSync(path.join(index, d))) as string)
    : '/usr';
  const lines = [...kernelLines(lower), indexCheck, i686Line(goboPaths(options.root).programs)];
  if (options.json) out(JSON.stringify(Object.fromEntries(lines.map((l) => [l.name, { ok: l.ok, detail: l.detail }]))));
  else
    for (const l of lines)
      out(`${l.ok ? chalk.green('ok') : chalk.red('no')}  ${l.name}${l.detail ? `  ${chalk.dim(l.detail)}` : ''}`);
  return lines.every((l) => l.ok || l.optional) ? ExitCode.ok : ExitCode.checkFailed;
}
