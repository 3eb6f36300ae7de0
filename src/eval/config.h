// An evaluation configuration: how the knowledge base is chunked and
// searched and who answers. A YAML file, every key optional:
//
//   name: small-chunks              # default: the file's name without .yaml
//   chunking: {tokens: 200, overlap: 25}   # default: the knowledge base's own
//   filters: true                   # apply each question's filters
//   retriever: bm25
//   answerer: extractive            # or openai:URL[#model] or gguf:PATH
//   sources: 5                      # chunks shown to the answerer
//   self_check: false               # the second pass, by the answerer's model
//   checker: gguf:PATH              # or by this model (extractive answers too)
//   answers: true                   # false: measure retrieval only
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "ingest/chunker.h"

namespace groundline::eval {

struct EvalConfig {
  std::string name = "default";
  std::optional<ingest::ChunkOptions> chunking;  // none: as the knowledge base is
  bool filters = true;
  std::string retriever = "bm25";
  std::string answerer = "extractive";
  int sources = 5;
  bool self_check = false;
  std::string checker;  // the self-check's model, when not the answerer's
  bool answers = true;
};

// Errors name the file and the key.
Result<EvalConfig> parse_eval_config(std::string_view yaml, const std::string& file_name);
Result<EvalConfig> load_eval_config(const std::string& path);

// "300/50", or "as stored" without chunking.
std::string chunking_label(const EvalConfig& config);

}  // namespace groundline::eval
