#!/usr/bin/env bash
# Quick start: installs what groundline needs, builds it, ingests the
# bundled Acme Cloud documentation, runs a few searches and answers, and
# evaluates retrieval and answers on the example's questions.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target groundline

gl=build/src/cli/groundline
kb=acme.db
example=examples/acme
report=eval-report

# A fresh knowledge base each time: the demo one is rebuilt, and one made by
# an older groundline would be refused.
rm -f "$kb" "$kb-wal" "$kb-shm"

echo
echo "== groundline ingest $example/docs --kb $kb"
$gl ingest "$example/docs" --config "$example/groundline.yaml" --kb "$kb"

echo
echo "== groundline search \"my card was declined\" -k 3"
$gl search "my card was declined" --kb "$kb" -k 3

echo
echo "== groundline search \"how much storage per seat\" --filter product=enterprise -k 2"
$gl search "how much storage per seat" --kb "$kb" --filter product=enterprise -k 2

echo
echo "== groundline search \"API rate limit\" --filter category=api --filter updated_after=2025-01-01 -k 2"
$gl search "API rate limit" --kb "$kb" --filter category=api --filter updated_after=2025-01-01 -k 2

echo
echo "== groundline ask \"How big can a single upload be on the Starter plan?\""
$gl ask "How big can a single upload be on the Starter plan?" --kb "$kb"

echo
echo "== groundline ask \"How much does the Business plan cost per seat?\" (not in the docs)"
$gl ask "How much does the Business plan cost per seat?" --kb "$kb"

echo
echo "== groundline eval --questions $example/questions.jsonl --report $report"
$gl eval --kb "$kb" --questions "$example/questions.jsonl" --report "$report"

echo
echo "The knowledge base is $kb; try: $gl ask \"your question\" --kb $kb"
echo "or serve it with its web page: $gl serve --kb $kb --port 8080"
