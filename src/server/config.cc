#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iterator>

namespace groundline::server {

namespace {

Result<double> number(const YAML::Node& node, const std::string& where, double min) {
  double value = 0;
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !(value >= min))
    return make_error(where + ": expected a number >= " + std::to_string(static_cast<long long>(min)));
  return value;
}

Status read_rate_limit(const YAML::Node& node, const std::string& where, RateLimit& out) {
  if (!node.IsMap()) return make_error(where + ": expected {requests_per_second: N, burst: N}");
  for (const auto& item : node) {
    auto key = item.first.as<std::string>();
    if (key == "requests_per_second") {
      GL_ASSIGN_OR_RETURN(out.requests_per_second, number(item.second, where + ".requests_per_second", 0));
    } else if (key == "burst") {
      GL_ASSIGN_OR_RETURN(out.burst, number(item.second, where + ".burst", 0));
    } else {
      return make_error(where + ": unknown setting '" + key + "'");
    }
  }
  return {};
}

}  // namespace

Result<ServerConfig> parse_server_config(std::string_view yaml, const std::string& name) {
  ServerConfig config;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return make_error(name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return config;
  if (!root.IsMap()) return make_error(name + ": expected a map of settings");
  for (const auto& item : root) {
    auto key = item.first.as<std::string>();
    const YAML::Node& value = item.second;
    std::string where = name + ": " + key;
    if (key == "api_keys") {
      if (value.IsNull()) continue;
      if (!value.IsSequence()) return make_error(where + ": expected a list of keys");
      for (const auto& k : value) {
        if (!k.IsScalar() || k.Scalar().empty())
          return make_error(where + ": every key must be a non-empty string");
        config.api_keys.push_back(k.Scalar());
      }
    } else if (key == "max_request_bytes") {
      GL_ASSIGN_OR_RETURN(double bytes, number(value, where, 1));
      config.max_request_bytes = static_cast<size_t>(bytes);
    } else if (key == "rate_limit") {
      GL_TRY(read_rate_limit(value, where, config.rate_limit));
    } else if (key == "request_timeout_s") {
      GL_ASSIGN_OR_RETURN(config.request_timeout_s, number(value, where, 0));
      if (config.request_timeout_s <= 0) return make_error(where + ": expected a number > 0");
    } else if (key == "threads") {
      GL_ASSIGN_OR_RETURN(double threads, number(value, where, 1));
      config.threads = static_cast<int>(threads);
    } else {
      return make_error(name + ": unknown setting '" + key +
                        "' (known: api_keys, max_request_bytes, rate_limit, request_timeout_s, threads)");
    }
  }
  return config;
}

Result<ServerConfig> load_server_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot read the server settings");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_server_config(text, path);
}

}  // namespace groundline::server
