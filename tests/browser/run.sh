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
source "$here/install.sh"
cp "$here/answer_page.test.mjs" "$work/"

cd "$work"
GROUNDLINE_BINARY="$bin" GROUNDLINE_SOURCE_DIR="$src" GROUNDLINE_WORK_DIR="$work" GROUNDLINE_CHROMIUM="$chromium" \
  node --test --test-reporter=spec answer_page.test.mjs
