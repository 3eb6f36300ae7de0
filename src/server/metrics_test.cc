#include "server/metrics.h"

#include <gtest/gtest.h>

namespace groundline::server {
namespace {

TEST(Metrics, RendersCountersAndCumulativeHistograms) {
  Metrics m;
  m.count_request("/v1/answer", 200, 0.004);
  m.count_request("/v1/answer", 200, 0.3);
  m.count_request("/v1/answer", 400, 0.0001);
  m.observe_stage(Stage::kRetrieve, 0.002);
  m.count_answer(true, 2);
  m.count_answer(false, 1);
  auto text = m.render();
  EXPECT_NE(text.find("groundline_http_requests_total{route=\"/v1/answer\",status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("groundline_http_requests_total{route=\"/v1/answer\",status=\"400\"} 1\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("groundline_http_request_duration_seconds_bucket{route=\"/v1/answer\",le=\"0.005\"} 2\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("groundline_http_request_duration_seconds_bucket{route=\"/v1/answer\",le=\"+Inf\"} 3\n"),
      std::string::npos);
  EXPECT_NE(text.find("groundline_http_request_duration_seconds_count{route=\"/v1/answer\"} 3\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("groundline_answer_stage_duration_seconds_bucket{stage=\"retrieve\",le=\"0.0025\"} 1\n"),
      std::string::npos);
  EXPECT_NE(text.find("groundline_answer_stage_duration_seconds_count{stage=\"generate\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("groundline_answers_total 2\n"), std::string::npos);
  EXPECT_NE(text.find("groundline_abstentions_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("groundline_unsupported_sentences_removed_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE groundline_answer_stage_duration_seconds histogram\n"), std::string::npos);
}

TEST(Histogram, BucketsAreCumulativeAndTheValueOnABoundCountsInIt) {
  Histogram h;
  h.observe(0.001);  // on the bound: in le="0.001"
  h.observe(20);     // past the last bound: +Inf only
  std::string out;
  h.render(out, "x", "");
  EXPECT_NE(out.find("x_bucket{le=\"0.0005\"} 0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x_bucket{le=\"0.001\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("x_bucket{le=\"10\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("x_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("x_sum 20.001\n"), std::string::npos);
  EXPECT_NE(out.find("x_count 2\n"), std::string::npos);
}

}  // namespace
}  // namespace groundline::server
