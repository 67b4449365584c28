#!/usr/bin/env bash
# npm run release:native: every artefact the package carries, made from source (the native part from
# scratch, then stripped; the TypeScript and the bundle), and each one's size and SHA-256, so that
# two runs on the same sources can be compared file by file.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build bin/Runner dist
npm run build --silent >/dev/null
# What a user runs needs no symbols: the front is static, the others are loaded or exec'd by name.
strip --strip-unneeded build/Release/runner_addon.node build/Release/runner-exec
strip bin/Runner
for file in bin/Runner build/Release/runner_addon.node build/Release/runner-exec dist/bundle/main.cjs dist/bundle/cli.cjs; do
  printf '%9d  %s  %s\n' "$(stat -c %s "$file")" "$(sha256sum "$file" | cut -c1-16)" "$file"
done
