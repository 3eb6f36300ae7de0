// What the server counts, rendered in Prometheus' text format for
// GET /metrics:
//   groundline_http_requests_total{route,status}          counter
//   groundline_http_request_duration_seconds{route}       histogram
//   groundline_answer_stage_duration_seconds{stage}       histogram (retrieve, generate, verify, total)
//   groundline_answers_total, groundline_abstentions_total,
//   groundline_unsupported_sentences_removed_total         counters
// Routes are the patterns ("/v1/documents/{id}"), never raw paths, so the
// number of series stays fixed. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace groundline::server {

// Cumulative buckets with fixed upper bounds in seconds, as Prometheus
// histograms are.
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  void observe(double seconds);
  // Appends the _bucket, _sum and _count lines of `name` with `labels`
  // ("route=\"/v1/answer\"").
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<uint64_t, kBounds.size() + 1> counts_{};  // the last is +Inf only
  double sum_ = 0;
  uint64_t count_ = 0;
};

enum class Stage { kRetrieve, kGenerate, kVerify, kTotal };

class Metrics {
 public:
  void count_request(const std::string& route, int status, double seconds);
  void observe_stage(Stage stage, double seconds);
  // One answer given: whether it abstained and how many sentences the
  // verifier removed.
  void count_answer(bool abstained, size_t removed_sentences);

  std::string render() const;

 private:
  mutable std::mutex mutex_;  // guards everything below
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> route_latency_;
  std::array<Histogram, 4> stage_latency_;
  uint64_t answers_ = 0, abstentions_ = 0, removed_sentences_ = 0;
};

}  // namespace groundline::server
