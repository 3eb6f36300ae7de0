// The server's settings file (YAML), e.g.
//
//   api_keys: [sk-support-1, sk-support-2]   # none: the API is open
//   max_request_bytes: 1048576               # larger bodies get 413
//   rate_limit: {requests_per_second: 20, burst: 40}   # per key or address; 429
//   request_timeout_s: 60                    # socket reads/writes and a model's answer
//   threads: 64                              # connections served at once
//
// Every field is optional. A key the server does not know is an error, so
// that a misspelt `api_key:` cannot silently leave the API open.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace groundline::server {

struct RateLimit {
  double requests_per_second = 0;  // 0: no limit
  double burst = 0;                // bucket size; 0 means max(1, requests_per_second)
};

struct ServerConfig {
  // When non-empty every /v1 route needs "Authorization: Bearer KEY".
  std::vector<std::string> api_keys;
  size_t max_request_bytes = 1 << 20;
  RateLimit rate_limit;
  double request_timeout_s = 60;
  // httplib serves each connection on one thread for as long as it is
  // kept alive, so this is the number of clients served at once; more
  // wait for a free thread. 0: the default (64).
  int threads = 0;
};

// Parses settings from YAML text; `name` (the file) prefixes errors.
Result<ServerConfig> parse_server_config(std::string_view yaml, const std::string& name);
Result<ServerConfig> load_server_config(const std::string& path);

}  // namespace groundline::server
