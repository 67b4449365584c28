#!/usr/bin/env bash
# The SHA-256 of what the native part is built from (binding.gyp, package.json, addon/): the
# release writes it beside the prebuilt part, and the tests compare it to tell a stale one.
set -euo pipefail
cd "$(dirname "$0")/.."
cat binding.gyp package.json $(ls addon/* | LC_ALL=C sort) | sha256sum | cut -d' ' -f1
