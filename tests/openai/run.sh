#!/usr/bin/env bash
# End to end: the official openai npm client against `groundline serve` on a
# loopback port, with an API key, streaming and not (chat.test.mjs).
# Usage: run.sh GROUNDLINE_BINARY SOURCE_DIR WORK_DIR
# Exits 77 (the test's SKIP_RETURN_CODE in CTest) when node is not installed.
set -euo pipefail
bin=$1 src=$2 work=$3
here="$src/tests/openai"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node and npm are not installed: skipped"
  exit 77
fi
mkdir -p "$work"
# The client is installed into the build folder once, and again when the
# lock file changes.
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/openai" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi
cp "$here/chat.test.mjs" "$work/"

kb="$work/acme.db"
rm -f "$kb" "$kb-wal" "$kb-shm"
"$bin" ingest "$src/examples/acme/docs" --config "$src/examples/acme/groundline.yaml" --kb "$kb" >/dev/null
printf 'api_keys: [sk-openai-test]\n' >"$work/server.yaml"

"$bin" serve --kb "$kb" --port 0 --config "$work/server.yaml" >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
port=""
for _ in $(seq 200); do
  port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$work/serve.out")
  [ -n "$port" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/serve.err"
    exit 1
  fi
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "groundline serve did not start within 20 s"
  cat "$work/serve.err"
  exit 1
fi

cd "$work"
GROUNDLINE_URL="http://127.0.0.1:$port/v1" GROUNDLINE_KEY=sk-openai-test node --test chat.test.mjs
