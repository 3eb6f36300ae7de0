#!/usr/bin/env bash
# End to end: the support agents' page of `groundline serve` in headless
# Debian chromium, driven by playwright-core (answer_page.test.mjs, which
# builds the knowledge base and starts the server itself).
# Usage: run.sh GROUNDLINE_BINARY SOURCE_DIR WORK_DIR
# Exits 77 (the test's SKIP_RETURN_CODE in CTest) when node, npm or
# chromium is not installed. GROUNDLINE_CHROMIUM overrides /usr/bin/chromium.
set -euo pipefail
bin=$1 src=$2 work=$3
here="$src/tests/browser"
chromium="${GROUNDLINE_CHROMIUM:-/usr/bin/chromium}"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node and npm are not installed: skipped"
  exit 77
fi
if [ ! -x "$chromium" ]; then
  echo "$chromium is not installed (apt-get install chromium): skipped"
  exit 77
fi
mkdir -p "$work"
# playwright-core is installed into the build folder once, and again when
# the lock file changes. Its own browser downloads are never used.
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/playwright-core" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
cp "$here/answer_page.test.mjs" "$work/"

cd "$work"
GROUNDLINE_BINARY="$bin" GROUNDLINE_SOURCE_DIR="$src" GROUNDLINE_WORK_DIR="$work" GROUNDLINE_CHROMIUM="$chromium" \
  node --test --test-reporter=spec answer_page.test.mjs
