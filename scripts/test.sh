#!/usr/bin/env bash
# The test command of the README: type-check everything, then the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit -p .
exec npx jest "$@"
