// report_table() and report_failures() (report.h): what a terminal shows.
#include <algorithm>
#include <cstdio>

#include "eval/report.h"

namespace groundline::eval {

namespace {

using Row = std::pair<std::string, std::vector<std::string>>;  // label, one cell per configuration

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string rate(const std::optional<double>& value) {
  return value ? fixed(*value, 3) : "-";
}

std::string pad(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

// Every row's cell for one configuration, in order.
std::vector<std::string> column(const ConfigResult& r) {
  auto ret = summarize_retrieval(r);
  auto ans = summarize_answers(r);
  auto latency = latency_by_stage(r);
  auto answer_rate = [&](auto field) { return ans ? rate((*ans.*field)()) : "-"; };
  auto ms = [&](const char* stage, double Percentiles::*p) {
    auto it = latency.find(stage);
    return it == latency.end() ? std::string("-") : fixed(it->second.*p, 2);
  };
  return {chunking_label(r.config),
          r.config.filters ? "on" : "off",
          r.config.answers ? r.config.answerer : "none",
          rate(ret.recall_at_1),
          rate(ret.recall_at_5),
          rate(ret.recall_at_10),
          rate(ret.mrr),
          rate(ret.ndcg_at_10),
          answer_rate(&AnswerSummary::accuracy),
          ans ? rate(ans->token_f1) : "-",
          answer_rate(&AnswerSummary::citation_precision),
          answer_rate(&AnswerSummary::unsupported_before),
          answer_rate(&AnswerSummary::unsupported_after),
          answer_rate(&AnswerSummary::abstention_rate),
          answer_rate(&AnswerSummary::correct_abstention_rate),
          ms("search", &Percentiles::p50),
          ms("total", &Percentiles::p50),
          ms("total", &Percentiles::p95),
          ms("total", &Percentiles::p99),
          ans && ans->ms_per_token() ? fixed(*ans->ms_per_token(), 2) : "-"};
}

const std::vector<std::string> kLabels = {"chunking (tokens/overlap)",
                                          "filters",
                                          "answerer",
                                          "recall@1",
                                          "recall@5",
                                          "recall@10",
                                          "MRR",
                                          "nDCG@10",
                                          "answer accuracy",
                                          "token F1",
                                          "citation precision",
                                          "unsupported before verifier",
                                          "unsupported after verifier",
                                          "abstention rate",
                                          "correct abstention rate",
                                          "search ms p50",
                                          "ask ms p50",
                                          "ask ms p95",
                                          "ask ms p99",
                                          "ms per token"};

std::string table(const std::vector<std::string>& header, const std::vector<Row>& rows) {
  size_t label_width = 0;
  for (const auto& [label, cells] : rows) label_width = std::max(label_width, label.size());
  std::vector<size_t> widths;
  for (size_t c = 0; c < header.size(); ++c) {
    size_t w = header[c].size();
    for (const auto& [label, cells] : rows) w = std::max(w, cells[c].size());
    widths.push_back(w + 2);
  }
  std::string out = pad("", label_width + 2);
  for (size_t c = 0; c < header.size(); ++c) out += pad(header[c], widths[c]);
  out += "\n";
  for (const auto& [label, cells] : rows) {
    out += pad(label, label_width + 2);
    for (size_t c = 0; c < cells.size(); ++c) out += pad(cells[c], widths[c]);
    out += "\n";
  }
  return out;
}

std::string sweep_table(const ChunkingExperiment& experiment) {
  std::vector<Row> rows;
  for (const auto& r : experiment.sweep) {
    auto ret = summarize_retrieval(r);
    auto ans = summarize_answers(r);
    rows.push_back(
        {chunking_label(r.config),
         {rate(ret.recall_at_5), rate(ret.mrr), rate(ret.ndcg_at_10), ans ? rate(ans->accuracy()) : "-"}});
  }
  return "chunking sweep (no filters):\n" + table({"recall@5", "MRR", "nDCG@10", "accuracy"}, rows);
}

}  // namespace

std::string report_table(const EvalReport& report) {
  std::string out = "evaluation of " + report.questions_file + " on " + report.kb + ": " +
                    std::to_string(report.question_count()) + " questions, top " + std::to_string(report.k) +
                    "\n\n";
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> columns;
  for (const auto& c : report.configs) {
    header.push_back(c.config.name);
    columns.push_back(column(c));
  }
  std::vector<Row> rows;
  for (size_t i = 0; i < kLabels.size(); ++i) {
    Row row{kLabels[i], {}};
    for (const auto& col : columns) row.second.push_back(col[i]);
    rows.push_back(std::move(row));
  }
  out += table(header, rows);
  if (report.experiment && !report.experiment->sweep.empty()) out += "\n" + sweep_table(*report.experiment);
  if (!report.problems.empty()) {
    out += "\nproblems:\n";
    for (const auto& p : report.problems) out += "  " + p + "\n";
  }
  return out;
}

std::string report_failures(const EvalReport& report, size_t limit) {
  std::string out;
  for (const auto& c : report.configs) {
    out += "\nworst questions of " + c.config.name + ":\n";
    size_t shown = 0;
    for (const auto* r : worst_first(c)) {
      if (r->verdict == Verdict::kCorrect || r->verdict == Verdict::kCorrectAbstention || shown++ >= limit)
        break;
      out += "  " + r->id + " [" + verdict_name(r->verdict) + "] " + r->question + "\n";
      out += "        expected: " + r->expected + "\n";
      if (r->asked) out += "        answer: " + r->answer + "\n";
      for (size_t i = 0; i < r->retrieved.size() && i < 3; ++i)
        out += "        retrieved: " + r->retrieved[i].doc + ":" +
               std::to_string(r->retrieved[i].first_line) + "-" + std::to_string(r->retrieved[i].last_line) +
               "\n";
    }
  }
  return out;
}

}  // namespace groundline::eval
