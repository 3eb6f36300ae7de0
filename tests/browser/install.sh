#!/usr/bin/env bash
# Sourced by the browser tests: skips (exit 77, CTest's SKIP_RETURN_CODE)
# when node, npm or chromium is missing, else installs playwright-core into
# $work once (again when the lock file changes). Its own browser downloads
# are never used. Needs $here (this folder) and $work; sets $chromium
# (GROUNDLINE_CHROMIUM overrides /usr/bin/chromium).
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
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/playwright-core" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
