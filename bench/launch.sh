#!/usr/bin/env bash
# bench/launch: median wall time, in one run, of (a) the program run directly, (b) Runner on a
# 1-dependency and a 40-dependency program, cold (no plan cached: Node plans and writes one; V8's
# code cache of the CLI is there, as after any earlier start), first start (not even the code
# cache: the first run after installing) and warm (the native front runs the cached plan without
# Node), (c) unshare -m + mount -t overlay doing
# the same mounts in a shell, and node -e 0 as the yardstick; then strace -fc syscall counts for (b).
# Needs root (for the shell baseline), hyperfine and strace.
set -euo pipefail
# Node start-up is measured as users see it: this variable adds ~70 ms of certificate loading.
unset NODE_EXTRA_CA_CERTS
cd "$(dirname "$0")/.."
base=${1:-/tmp/runner-bench-launch}
node dist/bench/launch-tree.js "$base" >/dev/null
runner="$PWD/bin/Runner"  # as users run it: the native front (npm install puts it there)
export XDG_CACHE_HOME="$base/cache"
cold="find $XDG_CACHE_HOME/Runner -name 'plan-*' -delete"
first="rm -rf $XDG_CACHE_HOME/Runner"
mkdir -p "$XDG_CACHE_HOME"
$runner --version >/dev/null  # writes the code cache the cold runs find (the warm-up runs add the launch code to it)
sleep 0.1  # the plan cache does not trust files changed in the last 50 ms
out=$(mktemp)
# --prepare pairs with the commands in order: the cold runs start without an entry.
hyperfine -N --warmup 3 --runs 30 --export-json "$out" \
  --prepare true --prepare true --prepare "$first" --prepare "$first" --prepare "$cold" --prepare "$cold" \
  --prepare true --prepare true --prepare true --prepare true \
  -n direct "$base/deps1/Programs/App/1.0/bin/app" \
  -n "node -e 0" "node -e 0" \
  -n "Runner first start, 1 dep" "$runner --root $base/deps1 app" \
  -n "Runner first start, 40 deps" "$runner --root $base/deps40 app" \
  -n "Runner cold, 1 dep" "$runner --root $base/deps1 app" \
  -n "Runner cold, 40 deps" "$runner --root $base/deps40 app" \
  -n "Runner warm, 1 dep" "$runner --root $base/deps1 app" \
  -n "Runner warm, 40 deps" "$runner --root $base/deps40 app" \
  -n "shell unshare+mount, 1 dep" "unshare -m $base/deps1/baseline.sh" \
  -n "shell unshare+mount, 40 deps" "unshare -m $base/deps40/baseline.sh" >/dev/null
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
const node = r.find((x) => x.command === "node -e 0").median;
for (const x of r) console.log(`${x.command.padEnd(30)} ${(x.median * 1000).toFixed(1).padStart(7)} ms median  ${(x.median / node).toFixed(2)}× node -e 0`);
' "$out"
for n in 1 40; do
  eval "$cold"  # the string hyperfine runs as --prepare; eval applies its quotes as hyperfine does
  strace -f -c -o "$out.strace" $runner --root "$base/deps$n" app
  echo "strace -fc, Runner cold, $n dep(s): $(awk '/^100.00/ {print $4}' "$out.strace") syscalls ($(awk '/^100.00/ {print $5}' "$out.strace") errors)"
  strace -f -c -o "$out.strace" $runner --root "$base/deps$n" app
  echo "strace -fc, Runner warm, $n dep(s): $(awk '/^100.00/ {print $4}' "$out.strace") syscalls ($(awk '/^100.00/ {print $5}' "$out.strace") errors)"
done
rm -f "$out" "$out.strace"
