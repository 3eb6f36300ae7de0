#include "server/metrics.h"

#include <cstdio>

namespace groundline::server {

namespace {

std::string format_number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  return buf;
}

constexpr std::array<const char*, 4> kStageNames = {"retrieve", "generate", "verify", "total"};

}  // namespace

void Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++counts_[i];
  sum_ += seconds;
  ++count_;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += counts_[i];
    out += name + "_bucket{" + labels + sep + "le=\"" + format_number(kBounds[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += name + "_bucket{" + labels + sep + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
  std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + format_number(sum_) + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_) + "\n";
}

void Metrics::count_request(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  route_latency_[route].observe(seconds);
}

void Metrics::observe_stage(Stage stage, double seconds) {
  std::lock_guard lock(mutex_);
  stage_latency_[static_cast<size_t>(stage)].observe(seconds);
}

void Metrics::count_answer(bool abstained, size_t removed_sentences) {
  std::lock_guard lock(mutex_);
  ++answers_;
  abstentions_ += abstained ? 1 : 0;
  removed_sentences_ += removed_sentences;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP groundline_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE groundline_http_requests_total counter\n";
  for (const auto& [key, count] : requests_)
    out += "groundline_http_requests_total{route=\"" + key.first + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
  out +=
      "# HELP groundline_http_request_duration_seconds Time from reading a request to its last byte sent.\n";
  out += "# TYPE groundline_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : route_latency_)
    histogram.render(out, "groundline_http_request_duration_seconds", "route=\"" + route + "\"");
  out += "# HELP groundline_answer_stage_duration_seconds Time per stage of answering a question.\n";
  out += "# TYPE groundline_answer_stage_duration_seconds histogram\n";
  for (size_t i = 0; i < stage_latency_.size(); ++i)
    stage_latency_[i].render(out, "groundline_answer_stage_duration_seconds",
                             std::string("stage=\"") + kStageNames[i] + "\"");
  out += "# HELP groundline_answers_total Answers given (abstentions included).\n";
  out += "# TYPE groundline_answers_total counter\n";
  out += "groundline_answers_total " + std::to_string(answers_) + "\n";
  out += "# HELP groundline_abstentions_total Answers that abstained and went to a human.\n";
  out += "# TYPE groundline_abstentions_total counter\n";
  out += "groundline_abstentions_total " + std::to_string(abstentions_) + "\n";
  out += "# HELP groundline_unsupported_sentences_removed_total Sentences the citation verifier removed.\n";
  out += "# TYPE groundline_unsupported_sentences_removed_total counter\n";
  out += "groundline_unsupported_sentences_removed_total " + std::to_string(removed_sentences_) + "\n";
  return out;
}

}  // namespace groundline::server
