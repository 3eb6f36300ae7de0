// The page a support lead opens after `groundline eval --report DIR`: one
// self-contained HTML document made from report.json (schema in the
// README's Evaluation section), with inline CSS and hand-written SVG, no
// script and nothing fetched (a Content-Security-Policy forbids both). It
// shows, in order: the run (knowledge base, questions, machine, date) and
// its problems; the configurations side by side, settings then metrics,
// the best value of each metric row highlighted; plots; and each
// configuration's questions worst first, in a collapsible table.
//
// Any JSON renders: a field that is absent, null or of another type than
// the schema's shows as an em dash, and every text is HTML-escaped and made
// valid UTF-8 (malformed bytes and control characters become U+FFFD).
// Rates show with 3 decimals, milliseconds with 2. At most
// kQuestionRowsShown questions are listed per configuration and
// kPlottedConfigs configurations are plotted (the first ones; the table has
// them all), so huge reports stay readable.
//
// Plots, for tests and the browser check (tests/browser/eval_report.mjs):
// each is <svg class="plot" data-plot="P">, each data series in it is
// <g class="series" data-series="S"> holding one <rect> or <circle> per
// point with data-value set to the JSON number (shortest round-trip form).
//   P = "metrics": S = recall_at_1, recall_at_5, recall_at_10, mrr,
//       ndcg_at_10, accuracy; a point per configuration with that value
//       (data-config names it).
//   P = "latency" (when a configuration has latency_ms): S = p50, p95, p99;
//       a point per configuration and stage present (data-config,
//       data-stage).
//   P = "chunking" (when the report has an experiment with a sweep):
//       S = overlap-N (recall@5 of the rows without filters whose overlap
//       is N), filters (recall@5 of the rows with filters), and, for rows
//       whose accuracy is not null, accuracy-overlap-N and
//       accuracy-filters; points carry data-chunk and data-overlap.
//
// A pure function of its argument; safe to call from several threads.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace groundline::eval {

inline constexpr size_t kQuestionRowsShown = 500;
inline constexpr size_t kPlottedConfigs = 40;

std::string report_html(const nlohmann::json& report);

}  // namespace groundline::eval
