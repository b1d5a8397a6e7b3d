#!/usr/bin/env bash
# The test command of the README: type-check, lint (ESLint, Prettier, columns), then the whole
# suite, node (cpu) and headless Chromium (webgl).
# The webgl suite needs Chromium: install it where we can (root with apt-get, as in CI), and
# otherwise stop here with the command to run, rather than let the browser tests fail later.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get > /dev/null; then
    echo "No Chromium at $chromium: installing Debian's chromium package." >&2
    apt-get update && apt-get install -y chromium
    chromium=/usr/bin/chromium
    export CHROMIUM_PATH="$chromium"
  fi
  if [[ ! -x "$chromium" ]]; then
    echo "The webgl tests need Chromium at $chromium. Install it with" >&2
    echo "  apt-get install -y chromium    (as root)" >&2
    echo "or set CHROMIUM_PATH to a Chromium or Chrome binary." >&2
    exit 1
  fi
fi

npx tsc --noEmit -p .
npm run -s lint
exec npx jest "$@"
