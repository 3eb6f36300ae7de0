// What the knowledge base holds: documents as versions of numbered lines,
// and the chunks of each current version with their tags.
//
// Contract: a version's lines are numbered from 1 and never change while the
// version exists; a citation is (document, version, first line, last line).
// A chunk covers a contiguous line range of one version and carries its
// heading path and tags.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kb/lexical.h"

namespace groundline::kb {

// A metadata tag: product=pro, category=billing, updated=2026-03-14, ...
struct Tag {
  std::string key;
  std::string value;
  auto operator<=>(const Tag&) const = default;
};

struct Heading {
  int line = 0;   // 1-based line of the heading
  int level = 1;  // 1 for "#", 2 for "##", ...
  std::string text;
};

struct Chunk {
  int first_line = 0;  // inclusive, 1-based
  int last_line = 0;   // inclusive
  int token_count = 0;
  std::string heading_path;  // "Pro plan > Limits"
  std::string text;
  // Where `text` lies in the version's text (its lines joined by '\n'),
  // in bytes. The store keeps the text once, in the version, when it is
  // that slice.
  size_t text_begin = 0, text_end = 0;
  // The document title and every heading over the chunk's lines, indexed
  // with a boost so that a query naming a section finds it.
  std::string headings;
  std::vector<std::string> codes;  // error codes the chunk mentions
  std::vector<Tag> tags;           // the document's tags and the chunk's own
};

// A version's text: its lines joined by '\n'. Chunk offsets count in it.
inline std::string join_lines(const std::vector<std::string>& lines) {
  size_t size = lines.size();
  for (const auto& line : lines) size += line.size();
  std::string out;
  out.reserve(size);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out.push_back('\n');
    out += lines[i];
  }
  return out;
}

// True when the chunk's text is the slice of `text` its offsets name.
inline bool is_slice_of(std::string_view text, const Chunk& chunk) {
  return chunk.text_begin <= chunk.text_end && chunk.text_end <= text.size() &&
         text.compare(chunk.text_begin, chunk.text_end - chunk.text_begin, chunk.text) == 0;
}

// One version of a document as ingestion produced it.
struct DocumentVersion {
  std::string path;  // relative to the ingested folder, '/'-separated
  std::string kind;  // markdown | html | text | pdf
  std::string content_hash;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string title;
  std::vector<std::string> lines;
  std::vector<Heading> headings;
  std::vector<Tag> tags;
};

// A document as the knowledge base knows it now.
struct DocumentRecord {
  int64_t id = 0;
  std::string path;
  std::string kind;
  std::string title;
  int current_version = 0;
  int version_count = 0;
  bool deleted = false;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string content_hash;  // of the current version
  std::string index_config;  // fingerprint of the settings its chunks were made with
  int chunk_count = 0;
  int line_count = 0;
  std::vector<Tag> tags;  // of the current version
};

// A stored chunk with where it came from.
struct ChunkRecord {
  int64_t id = 0;
  int64_t doc_id = 0;
  std::string path;
  std::string title;
  int version = 0;
  Chunk chunk;
};

// One stored version of a document, without its lines.
struct VersionInfo {
  int version = 0;
  std::string content_hash;
  std::string ingested_at;  // UTC, ISO 8601
  int line_count = 0;
};

// The lines of one version of a document.
struct VersionText {
  int64_t doc_id = 0;
  std::string path;
  int version = 0;
  std::string title;
  std::vector<std::string> lines;
  std::vector<Heading> headings;
  std::vector<Tag> tags;
};

}  // namespace groundline::kb
