#!/usr/bin/env bash
# CC/CXX/LINK for node-gyp during a release: runs the compiler named in $1 inside the build root,
# in the same directory. The release binds the sources and Node's headers at the same paths there.
set -euo pipefail
exec chroot "$RUNNER_BUILD_ROOT" /bin/sh -c 'cd "$0" && exec "$@"' "$PWD" "$@"
