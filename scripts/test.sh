#!/usr/bin/env bash
# The test command of the README: the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx jest "$@"
