// The lexical index groundline keeps beside the chunks: for every index
// term, the chunks that hold it with the term's count in each field (text,
// headings, error codes) and the field lengths BM25 normalises by; for
// every tag, the chunks that carry it. Both are sorted by chunk id and
// stored one compact blob per term or tag, so a search reads only the
// lists its words and filters name.
//
// The terms of a chunk are computed where the chunk is made (in parallel
// during ingestion), kept with the chunk so that deleting it can remove it
// from the lists, and merged into the lists when a batch commits.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace groundline::kb {

struct Chunk;

enum Field { kTextField = 0, kHeadingsField = 1, kCodesField = 2, kFieldCount = 3 };

struct TermCount {
  std::string term;
  std::array<uint32_t, kFieldCount> tf{};
};

// The index terms of one chunk, sorted by term, and its field lengths (in
// terms, stop words excluded).
struct ChunkTerms {
  std::vector<TermCount> terms;
  std::array<uint32_t, kFieldCount> lengths{};
};

ChunkTerms terms_of(const Chunk& chunk);

struct Posting {
  int64_t chunk_id = 0;
  std::array<uint32_t, kFieldCount> tf{};
  std::array<uint32_t, kFieldCount> lengths{};
};

// Totals that BM25 needs: chunks indexed and the sum of each field length.
struct LexicalStats {
  int64_t chunks = 0;
  std::array<int64_t, kFieldCount> total_length{};
  int64_t max_chunk_id = 0;
};

// Blob formats (LEB128 varints throughout).
std::string encode_chunk_terms(const ChunkTerms& terms);
Result<ChunkTerms> decode_chunk_terms(std::string_view blob);
std::string encode_postings(const std::vector<Posting>& postings);
Result<std::vector<Posting>> decode_postings(std::string_view blob);
std::string encode_ids(const std::vector<int64_t>& ids);
Result<std::vector<int64_t>> decode_ids(std::string_view blob);

}  // namespace groundline::kb
