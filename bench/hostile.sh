#!/usr/bin/env bash
# bench/hostile: time and peak memory of `Runner --resolve App` on hostile Dependencies files within
# the 4 MiB cap (docs/versions-and-solver.md: bounds on hostile metadata), and the size of what it
# writes to stderr, beside `node -e 0` measured in the same run. Needs GNU time (/usr/bin/time).
set -euo pipefail
unset NODE_EXTRA_CA_CERTS
cd "$(dirname "$0")/.."
base=${1:-/tmp/runner-bench-hostile}
rm -rf "$base"
node - "$base" <<'EOF'
const fs = require('fs');
const path = require('path');
const base = process.argv[2];
const MiB4 = 4 * 1024 * 1024;
const tree = (name, deps, programs = {}) => {
  const root = path.join(base, name);
  fs.mkdirSync(path.join(root, 'System/Index/bin'), { recursive: true });
  for (const [program, versions] of Object.entries({ App: { '1.0': deps }, ...programs }))
    for (const [version, text] of Object.entries(versions)) {
      fs.mkdirSync(path.join(root, 'Programs', program, version, 'Resources'), { recursive: true });
      if (text !== undefined) fs.writeFileSync(path.join(root, 'Programs', program, version, 'Resources/Dependencies'), text);
    }
};
const alternatives = (n) => Array.from({ length: n }, (_, i) => `Lib${i} >= 1.0`).join(' | ') + '\n';
tree('999-missing-alternatives', alternatives(999));
tree('4000-alternatives', alternatives(4000));
let line = '';
for (let i = 0; line.length < MiB4 - 40; i++) line += `L${i}|`;
tree('4MiB-of-alternatives', `${line}X\n`);
tree('brackets', `A [${']'.repeat(MiB4 - 8)}\n`);
tree('4MiB-name', `${'A'.repeat(MiB4 - 8)}\n`);
tree('10000-versions', 'Greet >= 20000\n', { Greet: Object.fromEntries(Array.from({ length: 10000 }, (_, i) => [`${i}.0`, undefined])) });
let lines = '';
for (let i = 0; lines.length < MiB4 - 20; i++) lines += `M${i} >= 1\n`;
tree('300000-missing-lines', lines);
const installed = Object.fromEntries(Array.from({ length: 999 }, (_, i) => [`Lib${i}`, { '1.0': 'Zed >= 2\n' }]));
tree('999-conflicting-alternatives', Array.from({ length: 999 }, (_, i) => `Lib${i}`).join(' | ') + '\n', { ...installed, Zed: { '1.0': undefined } });
// 5,000 Alien modules, all read from one manager's prefix (docs/aliens.md), and 5,000 missing ones.
const modules = Array.from({ length: 5000 }, (_, i) => `mod${i}`);
tree('5000-prefix-aliens', modules.map((m) => `PIP3:${m}\n`).join(''));
const site = path.join(base, '5000-prefix-aliens/System/Aliens/PIP/3.11/lib/python3.11/site-packages');
for (const [i, m] of modules.entries()) {
  fs.mkdirSync(path.join(site, `${m}-1.${i}.dist-info`), { recursive: true });
  fs.writeFileSync(path.join(site, `${m}-1.${i}.dist-info/METADATA`), `Metadata-Version: 2.1\nName: ${m}\nVersion: 1.${i}\n`);
}
tree('5000-missing-aliens', modules.map((m) => `PIP3:${m}\n`).join(''));
fs.mkdirSync(path.join(base, '5000-missing-aliens/System/Aliens/PIP/3.11/lib/python3.11/site-packages'), { recursive: true });
EOF
runner="$PWD/bin/Runner"
measure() {
  local err
  err=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$err.time" "$@" >/dev/null 2>"$err" || true
  read -r seconds kb < <(tail -1 "$err.time")
  printf '%8.2f s %7.0f MB %9d bytes of stderr\n' "$seconds" "$((kb / 1024))" "$(wc -c <"$err")"
  rm -f "$err" "$err.time"
}
printf '%-32s' 'node -e 0'; measure node -e 0
for dir in "$base"/*/; do
  printf '%-32s' "$(basename "$dir")"
  RUNNER_NO_CACHE=1 measure "$runner" --root "$dir" --resolve App
done
