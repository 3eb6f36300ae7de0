#include "server/config.h"

#include <gtest/gtest.h>

namespace groundline::server {
namespace {

TEST(ServerConfig, ReadsEverySetting) {
  auto c = parse_server_config(R"(
api_keys: [sk-one, sk-two]
max_request_bytes: 2048
rate_limit: {requests_per_second: 5, burst: 10}
request_timeout_s: 2.5
threads: 16
)",
                               "server.yaml");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->api_keys, (std::vector<std::string>{"sk-one", "sk-two"}));
  EXPECT_EQ(c->max_request_bytes, 2048u);
  EXPECT_DOUBLE_EQ(c->rate_limit.requests_per_second, 5);
  EXPECT_DOUBLE_EQ(c->rate_limit.burst, 10);
  EXPECT_DOUBLE_EQ(c->request_timeout_s, 2.5);
  EXPECT_EQ(c->threads, 16);
}

TEST(ServerConfig, EmptyMeansDefaults) {
  auto c = parse_server_config("", "server.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->api_keys.empty());
  EXPECT_EQ(c->max_request_bytes, 1u << 20);
  EXPECT_DOUBLE_EQ(c->rate_limit.requests_per_second, 0);
}

TEST(ServerConfig, MistakesAreNamed) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  for (const auto& c :
       {Case{"api_key: [sk-one]", "unknown setting 'api_key'"},
        Case{"api_keys: sk-one", "api_keys: expected a list"}, Case{"api_keys: ['']", "non-empty"},
        Case{"max_request_bytes: lots", "max_request_bytes: expected a number"},
        Case{"rate_limit: 5", "rate_limit: expected {requests_per_second"},
        Case{"rate_limit: {rps: 5}", "unknown setting 'rps'"},
        Case{"request_timeout_s: 0", "request_timeout_s: expected a number > 0"},
        Case{"threads: 0", "threads: expected a number >= 1"},
        Case{"api_keys: [a\n  b: c", "server.yaml:"}}) {
    auto r = parse_server_config(c.yaml, "server.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.message().find(c.message), std::string::npos) << r.message();
    EXPECT_EQ(r.message().rfind("server.yaml", 0), 0u) << r.message();
  }
}

TEST(ServerConfig, MissingFileIsAnError) {
  auto r = load_server_config("/nonexistent/server.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("/nonexistent/server.yaml"), std::string::npos);
}

}  // namespace
}  // namespace groundline::server
