// Sentence-aware chunking. A document is cut into passages: a sentence of
// prose (a paragraph or list item may hold several), a heading, a table row
// or a code block. Chunks are runs of whole passages of at most
// `max_tokens` tokens; consecutive chunks share their last passages up to
// `overlap_tokens` tokens. Only a passage longer than a chunk is cut, at a
// line or word boundary. A heading starts a new chunk (without overlap)
// once the current one holds a quarter of `max_tokens`, so sections stay
// together where they can. Every line with words lies in some chunk.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ingest/parsed_document.h"
#include "kb/document.h"

namespace groundline::ingest {

struct ChunkOptions {
  int max_tokens = 300;
  int overlap_tokens = 50;
};

// An error for a chunk size under 8 tokens or an overlap outside [0, size).
Status check_chunk_options(const ChunkOptions& options);

struct Passage {
  int first_line = 0;  // 1-based, inclusive
  int last_line = 0;
  // Bytes of the document's text (its lines joined by '\n'): `text` is
  // that slice, a view into the text given to split_passages().
  size_t begin = 0, end = 0;
  std::string_view text;
  int tokens = 0;
  int heading_level = 0;  // > 0 for a heading
};

// The passages of a document in order; none longer than max_tokens.
// `text` is kb::join_lines(doc.lines) and must outlive the passages.
std::vector<Passage> split_passages(const ParsedDocument& doc, std::string_view text, int max_tokens);

// Headings with their lines and text (markup removed).
std::vector<kb::Heading> headings_of(const ParsedDocument& doc);

// The chunks of a document: line range, text (the slice of the document's
// text from its first passage to its last), token count, heading path and
// the heading text indexed for boosts. Codes and tags are left to metadata.
std::vector<kb::Chunk> make_chunks(const ParsedDocument& doc, const ChunkOptions& options);

}  // namespace groundline::ingest
