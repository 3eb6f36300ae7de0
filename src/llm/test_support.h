// Helpers shared by the llm module's tests: the shared test files, a
// tokenizer loaded from a GGUF file, and valijson (draft 7, its default)
// as an independent validator of JSON instances.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "llm/gguf.h"
#include "llm/tokenizer.h"

namespace groundline::testing {

inline const std::string kShared = std::string(GROUNDLINE_SOURCE_DIR) + "/../shared/";

inline llm::Tokenizer load_tokenizer(const std::string& path) {
  auto file = llm::GgufFile::open(path);
  EXPECT_TRUE(file.ok()) << file.message();
  auto tokenizer = llm::Tokenizer::from_gguf(*file);
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.message();
  return std::move(tokenizer).value();
}

inline bool valijson_accepts(const nlohmann::json& schema, const nlohmann::json& document) {
  valijson::Schema parsed;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema);
  parser.populateSchema(schema_adapter, parsed);
  valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter target(document);
  return validator.validate(parsed, target, nullptr);
}

}  // namespace groundline::testing
