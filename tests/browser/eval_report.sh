#!/usr/bin/env bash
# End to end: the HTML report of `groundline eval` in headless Debian
# chromium (eval_report.mjs). Two pages are checked: the fixture report of
# eval_test (every plot and series, hostile text), and the report of a real
# run of `groundline eval --experiment chunking` on the bundled example.
# Usage: eval_report.sh GROUNDLINE_BINARY EVAL_TEST_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
bin=$1 eval_test=$2 src=$3 work=$4
here="$src/tests/browser"
source "$here/install.sh"
cp "$here/eval_report.mjs" "$work/"
cd "$work"
export GROUNDLINE_CHROMIUM="$chromium"

GROUNDLINE_WRITE_REPORT_FIXTURE="$work/fixture.html" "$eval_test" \
  --gtest_filter=ReportHtml.WritesTheBrowserFixtureWhenAsked >/dev/null
node eval_report.mjs fixture.html metrics=recall_at_1,recall_at_5,recall_at_10,mrr,ndcg_at_10,accuracy \
  latency=p50,p95,p99 chunking=overlap-0,overlap-25,overlap-50,overlap-100,filters,accuracy-overlap-50

rm -rf acme.db acme.db-wal acme.db-shm example-report
"$bin" ingest "$src/examples/acme/docs" --config "$src/examples/acme/groundline.yaml" --kb acme.db >/dev/null
"$bin" eval --kb acme.db --questions "$src/examples/acme/questions.jsonl" --experiment chunking --limit 60 \
  --report example-report >/dev/null
node eval_report.mjs example-report/report.html metrics=recall_at_1,recall_at_5,recall_at_10,mrr,ndcg_at_10,accuracy \
  latency=p50,p95,p99 chunking=overlap-0,overlap-25,overlap-50,overlap-100,accuracy-overlap-0
