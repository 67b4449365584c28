#!/usr/bin/env bash
# npm run release: every artefact the package carries, made from source.
# - prebuilds/linux-x64 and prebuilds/linux-arm64: the front (Runner, static), the addon and the
#   executor, compiled in a Debian 11 build root (scripts/build-root.sh) so that they need no glibc
#   newer than 2.31, arm64 with Debian's cross-compiler; stripped.
# - dist/bundle: the TypeScript, compiled and bundled.
# It builds from a scratch copy of the sources, so a checkout's own build/ is left as it was, and
# prints each file's size and SHA-256: two runs on the same sources give the same files.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD
if [[ -z ${RUNNER_RELEASE_NS:-} ]]; then
  export RUNNER_BUILD_ROOT
  RUNNER_BUILD_ROOT=$(bash scripts/build-root.sh)
  # The binds below stay in a mount namespace of this script's own.
  RUNNER_RELEASE_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

scratch=$(mktemp -d /tmp/runner-release.XXXXXX)
trap 'umount -R "$RUNNER_BUILD_ROOT$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
cp -r binding.gyp package.json addon "$scratch/"
mkdir -p "$scratch/node_modules" && cp -r node_modules/node-addon-api "$scratch/node_modules/"
headers=$(node -p "require('path').resolve(process.execPath, '../../include/node')")
for dir in "$scratch" "$headers"; do
  mkdir -p "$RUNNER_BUILD_ROOT$dir" && mount --bind "$dir" "$RUNNER_BUILD_ROOT$dir"
done

# (RUNNER_RELEASE_NATIVE_ONLY: the caller has built dist/ itself, as a test run has.)
[[ -n ${RUNNER_RELEASE_NATIVE_ONLY:-} ]] || npm run build:js --silent >/dev/null
# npm's own node-gyp (npm run puts it on PATH), as `npm run build` uses it.
command -v node-gyp >/dev/null || { echo "release: run it as 'npm run release' (node-gyp comes with npm)" >&2; exit 1; }
for arch in x64 arm64; do
  case $arch in x64) tool= ;; arm64) tool=aarch64-linux-gnu- ;; esac
  in_root="$project/scripts/in-build-root.sh"
  (
    cd "$scratch"
    rm -rf build
    CC="$in_root ${tool}gcc" CXX="$in_root ${tool}g++" LINK="$in_root ${tool}g++" \
      CC_host="$in_root gcc" CXX_host="$in_root g++" RUNNER_PREBUILT=1 \
      node-gyp rebuild --arch="$arch" --nodedir="$(dirname "$(dirname "$headers")")" >"$scratch/gyp-$arch.log" 2>&1 ||
      { grep -m5 -B2 -A3 "error" "$scratch/gyp-$arch.log" >&2; exit 1; }
  )
  made=$scratch/linux-$arch
  mkdir -p "$made"
  cp "$scratch/build/Release/runner-front" "$made/Runner"
  cp "$scratch/build/Release/runner_addon.node" "$scratch/build/Release/runner-exec" "$made/"
  # What a user runs needs no symbols: the front is static, the others are loaded or exec'd by name.
  chroot "$RUNNER_BUILD_ROOT" sh -c 'cd "$1" && "$2"strip --strip-unneeded runner_addon.node runner-exec && "$2"strip Runner' sh "$made" "$tool"
  rm -rf "prebuilds/linux-$arch" && mkdir -p prebuilds && cp -r "$made" "prebuilds/linux-$arch"
done
# What the prebuilt part was made from, so that a test can tell whether it is still current.
bash scripts/sources-hash.sh >prebuilds/sources.sha256
for file in prebuilds/linux-*/* dist/bundle/*.cjs; do
  printf '%9d  %s  %s\n' "$(stat -c %s "$file")" "$(sha256sum "$file" | cut -c1-16)" "$file"
done
