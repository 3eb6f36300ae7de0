// Ingestion settings and the metadata groundline derives from documents:
// tags from front matter (product, plan, category, tags, updated,
// visibility and any other short field), and, where those are absent,
// extracted from the text: product names from a configured list, error
// codes by a configured pattern with their category, and the latest date
// mentioned. Chunks get the document's tags plus their own error codes and
// the categories of those codes.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ingest/chunker.h"
#include "ingest/parsed_document.h"
#include "kb/document.h"

namespace groundline::ingest {

struct ErrorCodeCategory {
  std::string prefix;    // "E4"
  std::string category;  // "billing"
};

struct IngestConfig {
  std::vector<std::string> products;  // names as written in the docs: "Pro"
  std::string code_pattern = R"(\b(?:E|ERR|ERROR)[-_]?[0-9]{2,5}\b)";
  std::vector<ErrorCodeCategory> code_categories;
  ChunkOptions chunking;
  int64_t max_file_bytes = 50ll << 20;

  // Changes whenever a setting that shapes chunks or tags changes.
  std::string fingerprint() const;
};

// Reads a groundline.yaml; errors name the file and the field.
Result<IngestConfig> parse_config(std::string_view yaml, const std::string& file_name);
Result<IngestConfig> load_config(const std::string& path);

// The settings as JSON, as the knowledge base keeps them, and back.
std::string config_to_json(const IngestConfig& config);
Result<IngestConfig> config_from_json(std::string_view json);

class MetadataExtractor {
 public:
  static Result<MetadataExtractor> create(const IngestConfig& config);
  MetadataExtractor(MetadataExtractor&&) noexcept;
  MetadataExtractor& operator=(MetadataExtractor&&) noexcept;
  ~MetadataExtractor();

  // Error codes in order of first appearance, uppercased, without repeats.
  std::vector<std::string> codes_in(std::string_view text) const;
  // The category of the longest configured prefix of `code`, or "".
  std::string category_of(std::string_view code) const;
  // Dates as YYYY-MM-DD: ISO dates and "March 4, 2026" / "4 March 2026".
  std::vector<std::string> dates_in(std::string_view text) const;
  // Configured product names mentioned, lowercased.
  std::vector<std::string> products_in(std::string_view text) const;

  // The document's tags; an error names a malformed field.
  Result<std::vector<kb::Tag>> document_tags(const ParsedDocument& doc) const;
  // Sets the chunk's codes and tags (the document's plus its own).
  void tag_chunk(kb::Chunk& chunk, const std::vector<kb::Tag>& document_tags) const;

 private:
  struct Patterns;
  MetadataExtractor(const IngestConfig& config, std::unique_ptr<Patterns> patterns);
  IngestConfig config_;
  std::unique_ptr<Patterns> patterns_;
};

// "2026-03-14", "2026-03-14T10:00:00Z", "March 14, 2026" -> "2026-03-14";
// anything else -> "".
std::string parse_date(std::string_view text);

}  // namespace groundline::ingest
