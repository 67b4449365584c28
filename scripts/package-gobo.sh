#!/usr/bin/env bash
# npm run package:gobo: Runner as a GoboLinux binary package, Runner--<version>--x86_64.tar.bz2 in
# dist/gobo/, laid out as /Programs/Runner/<version>/: bin/Runner (the prebuilt front), the package
# itself under lib/gobo-runner, and Resources/ (Dependencies names the Node it needs). Made from
# the release's artefacts (npm run release first), with fixed owners, order and times, so the same
# artefacts give the same archive.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x prebuilds/linux-x64/Runner && -f dist/bundle/main.cjs ]] || { echo "package:gobo: run 'npm run release' first" >&2; exit 1; }
version=$(node -p "require('./package.json').version")
node_range=$(node -p "require('./package.json').engines.node.replace(/^>=\s*/, '')")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
program=$stage/Runner/$version
lib=$program/lib/gobo-runner
mkdir -p "$lib/dist" "$lib/prebuilds" "$program/bin" "$program/Resources"
cp -r dist/bundle "$lib/dist/"
cp -r prebuilds/linux-x64 "$lib/prebuilds/"
cp package.json LICENSE "$lib/"
mkdir -p "$program/share/man/man1" && cp man/Runner.1 "$program/share/man/man1/"
ln -s ../lib/gobo-runner/prebuilds/linux-x64/Runner "$program/bin/Runner"
printf 'NodeJS >= %s\n' "$node_range" >"$program/Resources/Dependencies"
printf 'x86_64\n' >"$program/Resources/Architecture"
cat >"$program/Resources/Description" <<DESC
[Name] Runner
[Summary] $(node -p "require('./package.json').description")
[License] GPL-2.0-or-later
[Description] Runner gives one process its own view of /System/Index: the dependency versions its program asked for, stacked with OverlayFS in a private mount namespace.
[Homepage] $(node -p "require('./package.json').repository.url.replace(/^git\+/, '').replace(/\.git$/, '')")
DESC
mkdir -p dist/gobo
out=dist/gobo/Runner--$version--x86_64.tar.bz2
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -C "$stage" -cf - Runner | bzip2 -9 >"$out"
printf '%9d  %s  %s\n' "$(stat -c %s "$out")" "$(sha256sum "$out" | cut -c1-16)" "$out"
