#!/usr/bin/env bash
# Part of npm run lint: the C++ of addon/ is as clang-format (.clang-format) writes it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "lint: clang-format is not installed (apt-get install clang-format)" >&2; exit 1; }
clang-format --dry-run --Werror addon/*.cc addon/*.h
