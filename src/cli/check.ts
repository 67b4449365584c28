// `Runner -c/--check`: one line per requirement, what this kernel and user allow; exit 0 or 1.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { ExitCode } from '../resolver/errors.js';
import { goboPaths } from '../resolver/paths.js';
import { helperPath } from '../overlay/execute.js';
import { INDEX_DIRS } from '../overlay/layers.js';
import type { Options } from './options.js';
import { out } from './output.js';

interface Line {
  name: string;
  ok: boolean;
  detail: string;
}

function indexLine(index: string): Line {
  if (!fs.existsSync(index)) return { name: 'index', ok: false, detail: `${index} does not exist` };
  const present = INDEX_DIRS.filter((d) => fs.existsSync(path.join(index, d)));
  if (present.length === 0) return { name: 'index', ok: false, detail: `${index} has none of ${INDEX_DIRS.join(', ')}` };
  return { name: 'index', ok: true, detail: `${index} (${present.join(', ')})` };
}

function kernelLines(lower: string): Line[] {
  const result = spawnSync(helperPath, ['--check', lower], { encoding: 'utf8' });
  if (result.error) return [{ name: 'executor', ok: false, detail: `${helperPath}: ${result.error.message}` }];
  return result.stdout.trim().split('\n').map((line) => {
    const [name, verdict, ...why] = line.split(' ');
    return { name, ok: verdict === 'ok', detail: why.join(' ') };
  });
}

export async function checkAction(options: Options): Promise<number> {
  const index = goboPaths(options.root).index;
  const indexCheck = indexLine(index);
  const lower = indexCheck.ok ? path.join(index, INDEX_DIRS.find((d) => fs.existsSync(path.join(index, d))) as string) : '/usr';
  const lines = [...kernelLines(lower), indexCheck];
  if (options.json) out(JSON.stringify(Object.fromEntries(lines.map((l) => [l.name, { ok: l.ok, detail: l.detail }]))));
  else for (const l of lines) out(`${l.ok ? chalk.green('ok') : chalk.red('no')}  ${l.name}${l.detail ? `  ${chalk.dim(l.detail)}` : ''}`);
  return lines.every((l) => l.ok) ? ExitCode.ok : ExitCode.checkFailed;
}
