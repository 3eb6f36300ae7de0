#include "eval/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "core/files.h"

namespace groundline::eval {

namespace {

const std::set<std::string> kKeys = {"name",    "chunking",   "filters", "retriever", "answerer",
                                     "sources", "self_check", "checker", "answers"};

Status read_chunking(const YAML::Node& node, EvalConfig& config) {
  if (!node.IsMap()) return make_error("chunking: expected {tokens: N, overlap: M}");
  ingest::ChunkOptions chunking;
  for (const auto& item : node) {
    auto key = item.first.as<std::string>();
    if (key == "tokens")
      chunking.max_tokens = item.second.as<int>();
    else if (key == "overlap")
      chunking.overlap_tokens = item.second.as<int>();
    else
      return make_error("chunking: unknown key '" + key + "' (tokens, overlap)");
  }
  if (auto s = ingest::check_chunk_options(chunking); !s.ok()) return make_error("chunking: " + s.message());
  config.chunking = chunking;
  return {};
}

bool is_model_spec(const std::string& spec) {
  return spec.rfind("openai:", 0) == 0 || spec.rfind("gguf:", 0) == 0;
}

Status read_answerer(const std::string& answerer, EvalConfig& config) {
  if (answerer != "extractive" && !is_model_spec(answerer))
    return make_error("answerer: '" + answerer + "' is not extractive, openai:URL[#model] or gguf:PATH");
  config.answerer = answerer;
  return {};
}

Status read_checker(const std::string& checker, EvalConfig& config) {
  if (!is_model_spec(checker))
    return make_error("checker: '" + checker + "' is not openai:URL[#model] or gguf:PATH");
  config.checker = checker;
  config.self_check = true;
  return {};
}

Status read_key(const std::string& key, const YAML::Node& value, EvalConfig& config) {
  if (key == "name") config.name = value.as<std::string>();
  if (key == "chunking") return read_chunking(value, config);
  if (key == "filters") config.filters = value.as<bool>();
  if (key == "retriever") {
    config.retriever = value.as<std::string>();
    if (config.retriever != "bm25")
      return make_error("retriever: '" + config.retriever + "' is not available (bm25 is)");
  }
  if (key == "answerer") return read_answerer(value.as<std::string>(), config);
  if (key == "sources") {
    config.sources = value.as<int>();
    if (config.sources < 1 || config.sources > 50) return make_error("sources: must be between 1 and 50");
  }
  if (key == "self_check") config.self_check = value.as<bool>();
  if (key == "checker") return read_checker(value.as<std::string>(), config);
  if (key == "answers") config.answers = value.as<bool>();
  return {};
}

}  // namespace

Result<EvalConfig> parse_eval_config(std::string_view yaml, const std::string& file_name) {
  EvalConfig config;
  config.name = std::filesystem::path(file_name).stem().string();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return make_error(file_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return config;
  if (!root.IsMap()) return make_error(file_name + ": expected a mapping of settings");
  for (const auto& item : root) {
    std::string key;
    try {
      key = item.first.as<std::string>();
      if (!kKeys.count(key)) return make_error(file_name + ": unknown key '" + key + "'");
      if (auto s = read_key(key, item.second, config); !s.ok())
        return make_error(file_name + ": " + s.message());
    } catch (const YAML::Exception& e) {
      return make_error(file_name + ":" + std::to_string(e.mark.line + 1) + ": " + key + ": " + e.msg);
    }
  }
  if (config.name.empty()) return make_error(file_name + ": name: must not be empty");
  return config;
}

Result<EvalConfig> load_eval_config(const std::string& path) {
  auto text = core::read_whole_file(path);
  if (!text) return make_error(path + ": cannot read the configuration");
  return parse_eval_config(*text, path);
}

std::string chunking_label(const EvalConfig& config) {
  if (!config.chunking) return "as stored";
  return std::to_string(config.chunking->max_tokens) + "/" + std::to_string(config.chunking->overlap_tokens);
}

}  // namespace groundline::eval
