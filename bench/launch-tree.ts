// Builds the bench/launch trees (a program with 1 and with 40 dependencies, each dependency with
// a bin and a lib entry and two versions, so conflict removal has work) and, from Runner's own
// --dry-run --json plan, a shell baseline that does the same mounts with unshare + mount -t overlay.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const base = process.argv[2] ?? '/tmp/runner-bench-launch';
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');

function write(file: string, content: string | Buffer, mode = 0o644) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
}

function tree(count: number): string {
  const root = path.join(base, `deps${count}`);
  fs.rmSync(root, { recursive: true, force: true });
  const names = Array.from({ length: count }, (_, i) => `Dep${i}`);
  for (const name of names) {
    for (const version of ['1.0', '2.0']) {
      write(path.join(root, 'Programs', name, version, 'bin', name.toLowerCase()), '#!/bin/sh\n', 0o755);
      write(path.join(root, 'Programs', name, version, 'lib', `lib${name.toLowerCase()}.so.${version[0]}`), '');
    }
    fs.symlinkSync('2.0', path.join(root, 'Programs', name, 'Current'));
    fs.mkdirSync(path.join(root, 'System/Index/lib'), { recursive: true });
    fs.symlinkSync(
      `../../../Programs/${name}/2.0/lib/lib${name.toLowerCase()}.so.2`,
      path.join(root, 'System/Index/lib', `lib${name.toLowerCase()}.so.2`),
    );
  }
  write(path.join(root, 'Programs/App/1.0/Resources/Dependencies'), names.map((n) => `${n} < 2.0`).join('\n') + '\n');
  write(path.join(root, 'Programs/App/1.0/bin/app'), fs.readFileSync('/bin/true'), 0o755);
  for (const d of ['bin', 'include', 'libexec', 'share'])
    fs.mkdirSync(path.join(root, 'System/Index', d), { recursive: true });
  fs.symlinkSync('../../../Programs/App/1.0/bin/app', path.join(root, 'System/Index/bin/app'));
  return root;
}

interface Plan {
  mounts: { target: string; layers: string[] }[];
  removals: string[];
}

/** The same mounts as Runner's plan, done by the usual tools in a shell. */
function baseline(root: string): void {
  const plan = JSON.parse(
    execFileSync(process.execPath, [cli, '--root', root, '--dry-run', '--json', 'app'], { encoding: 'utf8' }),
  ) as Plan;
  const lines = [
    '#!/bin/sh',
    'set -e',
    `w=${root}/.baseline-write`,
    'mount --make-rprivate /',
    'mount -t tmpfs tmpfs "$w"',
  ];
  plan.mounts.forEach((m, i) => {
    lines.push(`mkdir "$w/${i}.u" "$w/${i}.w"`);
    lines.push(
      `mount -t overlay overlay -o "lowerdir=${m.layers.join(':')},upperdir=$w/${i}.u,workdir=$w/${i}.w" ${m.target}`,
    );
  });
  for (const r of plan.removals) lines.push(`rm -f ${r}`);
  lines.push(`PATH=${root}/System/Index/bin:$PATH exec app`);
  fs.mkdirSync(path.join(root, '.baseline-write'), { recursive: true });
  write(path.join(root, 'baseline.sh'), lines.join('\n') + '\n', 0o755);
}

for (const count of [1, 40]) baseline(tree(count));
console.log(base);
