#!/usr/bin/env bash
# CI's check of the package as a user gets it: pack it, install it into a scratch prefix as an
# unprivileged user with --ignore-scripts and nothing but Node and npm on PATH (no compiler, make
# or Python), then run the installed Runner: --version, --check, and the demo's launch, cold and
# warm. Needs root (to act as the user) and the release's artefacts (npm run release).
set -euo pipefail
cd "$(dirname "$0")/.."
user=runner-test
id "$user" >/dev/null 2>&1 || useradd --create-home "$user"
work=$(mktemp -d /tmp/runner-install-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
tarball=$work/$(npm pack --ignore-scripts --silent --pack-destination "$work" | tail -1)
mkdir "$work/tools" && ln -s "$(command -v node)" "$(command -v npm)" "$work/tools/"
cp -r fixtures "$work/tree"
chmod -R a+rX "$work"
mkdir "$work/prefix" && chown "$user:" "$work/prefix"
as_user() { setpriv --reuid="$user" --regid="$user" --init-groups env -i HOME="/home/$user" PATH="$1" "${@:2}"; }
as_user "$work/tools" /bin/sh -c 'for t in cc gcc c++ g++ make python3; do if command -v $t; then exit 1; fi; done' >/dev/null ||
  { echo "install-check: a build tool is on PATH" >&2; exit 1; }
as_user "$work/tools" npm install -g --ignore-scripts --no-audit --no-fund --prefix "$work/prefix" "$tarball" >/dev/null
runner=$work/prefix/bin/Runner
path=$work/tools:/usr/bin:/bin
echo "installed: $(readlink -f "$runner")"
as_user "$path" "$runner" --version
echo "man: $(as_user "$path" env MANPAGER=cat MANWIDTH=80 man -M "$work/prefix/share/man" Runner | grep -m1 -- '- run')"
as_user "$path" "$runner" --root "$work/tree" --check
for run in cold warm; do
  echo "$run: $(as_user "$path" "$runner" --root "$work/tree" app | tr '\n' ' ')"
done
