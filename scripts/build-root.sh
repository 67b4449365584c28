#!/usr/bin/env bash
# Prints the path of the build root that the release builds in, making it first if it is not there:
# Debian 11 (bullseye, glibc 2.31) with its C++ compiler for x86-64 and its cross-compiler for
# arm64. What is built there runs on glibc 2.31 and later; the host's compiler targets its own glibc.
# Needs root (debootstrap) the first time; kept in the cache afterwards.
set -euo pipefail
root=${RUNNER_BUILD_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/gobo-runner/build-root-bullseye}
packages=g++,make,g++-aarch64-linux-gnu,binutils-aarch64-linux-gnu
if [[ ! -e $root/.complete ]]; then
  command -v debootstrap >/dev/null || { echo "build-root: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  ((EUID == 0)) || { echo "build-root: making $root needs root (debootstrap)" >&2; exit 1; }
  rm -rf "$root"
  mkdir -p "$(dirname "$root")"
  log=$(mktemp)
  if ! debootstrap --variant=minbase --include="$packages" bullseye "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$log" 2>&1; then
    tail -5 "$log" >&2; rm -f "$log"
    echo "build-root: debootstrap bullseye failed" >&2; exit 1
  fi
  rm -f "$log"
  touch "$root/.complete"
fi
printf '%s\n' "$root"
