// The lexical index groundline keeps beside the chunks: for every index
// term, the chunks that hold it with the term's count in each field (text,
// headings, error codes) and the field lengths BM25 normalises by; for
// every tag, the chunks that carry it. Both are sorted by chunk id and
// stored one compact blob per term or tag, so a search reads only the
// lists its words and filters name.
//
// The terms of a chunk are computed where the chunk is made (in parallel
// during ingestion) and merged into the lists when a batch commits;
// deleting a chunk computes them again from its stored fields.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
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

// The index terms of one chunk, in order of first appearance, and its
// field lengths (in terms, stop words excluded).
struct ChunkTerms {
  std::vector<TermCount> terms;
  std::array<uint32_t, kFieldCount> lengths{};
};

ChunkTerms terms_of(const Chunk& chunk);

// The index terms met in one ingest batch, numbered densely in order of
// arrival, so that the threads that count terms and the writer that merges
// their lists pass small integers instead of strings. Thread-safe; a
// dictionary's ids mean nothing to another dictionary.
class TermDictionary {
 public:
  TermDictionary();
  ~TermDictionary();
  TermDictionary(const TermDictionary&) = delete;
  TermDictionary& operator=(const TermDictionary&) = delete;

  // The term's id, added when new.
  int32_t id(std::string_view term);
  std::string term(int32_t id) const;
  // Unique among the dictionaries of this process.
  uint64_t serial() const { return serial_; }

 private:
  struct Table;
  std::unique_ptr<Table> table_;
  const uint64_t serial_;
};

// One term's postings in one document, encoded as in a stored list (see
// below) with chunk ids counted from the document's first chunk, and the
// first posting without its id: the writer prefixes the id delta when it
// appends the segment to the term's list.
struct TermSegment {
  int32_t term = 0;  // id in the dictionary
  uint32_t count = 0;
  uint32_t first_chunk = 0, last_chunk = 0;  // indexes into the document's chunks
  size_t begin = 0, end = 0;                 // bytes in DocumentTerms::bytes
};

// A document's postings before its chunks have ids, built where the
// document is processed so that the single writer only appends bytes.
struct DocumentTerms {
  const TermDictionary* dictionary = nullptr;
  std::vector<TermSegment> segments;
  std::string bytes;
  std::vector<std::array<uint32_t, kFieldCount>> lengths;  // per chunk
};

// `document_text`, when given, is the text the chunks' offsets point into
// (see Chunk): it is scanned once, and each chunk that is its slice counts
// those words instead of scanning its own text again.
DocumentTerms invert(const std::vector<Chunk>& chunks, TermDictionary& dictionary,
                     std::string_view document_text = {});

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

// Blob formats (LEB128 varints throughout). A posting is the chunk id
// delta, then tf_text << 2 | has_headings << 1 | has_codes, the text
// length, and only when present: tf and length of the headings, tf of the
// codes (codes are not length-normalised).
std::string encode_postings(const std::vector<Posting>& postings);

// A posting list grown at its end: postings one by one, or whole document
// segments whose chunk ids start at `first_id`. Ids must increase.
class PostingListBuilder {
 public:
  void add(const Posting& posting);
  void append(const TermSegment& segment, std::string_view document_bytes, int64_t first_id);
  size_t size() const { return count_; }
  // Where the next bytes go.
  const char* end() const { return bytes_.data() + bytes_.size(); }
  // The list as stored: its length, then the postings.
  std::string blob() const;

 private:
  std::string bytes_;
  size_t count_ = 0;
  int64_t last_id_ = 0;
};
Result<std::vector<Posting>> decode_postings(std::string_view blob);

// Walks an encoded posting list in place, one posting at a time. Inline:
// it is the innermost loop of every search.
class PostingCursor {
 public:
  explicit PostingCursor(std::string_view blob) : blob_(blob) {
    size_ = static_cast<size_t>(varint());
    if (!ok_ || size_ > blob.size()) {
      ok_ = false;
      size_ = 0;
    }
  }
  // Postings in the list (its document frequency).
  size_t size() const { return size_; }
  // Fills `p` with the next posting; false at the end or on corrupt bytes.
  bool next(Posting& p) {
    if (read_ >= size_ || !ok_) return false;
    id_ += static_cast<int64_t>(varint());
    p.chunk_id = id_;
    uint64_t packed = varint();
    p.tf[kTextField] = static_cast<uint32_t>(packed >> 2);
    p.lengths[kTextField] = static_cast<uint32_t>(varint());
    p.tf[kHeadingsField] = p.lengths[kHeadingsField] = 0;
    p.tf[kCodesField] = p.lengths[kCodesField] = 0;
    if (packed & 2) {
      p.tf[kHeadingsField] = static_cast<uint32_t>(varint());
      p.lengths[kHeadingsField] = static_cast<uint32_t>(varint());
    }
    if (packed & 1) p.tf[kCodesField] = static_cast<uint32_t>(varint());
    ++read_;
    return ok_;
  }
  // False when the bytes were corrupt (or the list shorter than it said).
  bool ok() const { return ok_ && (read_ < size_ || pos_ == blob_.size()); }

 private:
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && pos_ < blob_.size(); shift += 7) {
      auto byte = static_cast<uint8_t>(blob_[pos_++]);
      v |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
    ok_ = false;
    return 0;
  }
  std::string_view blob_;
  size_t pos_ = 0, size_ = 0, read_ = 0;
  int64_t id_ = 0;
  bool ok_ = true;
};

std::string encode_ids(const std::vector<int64_t>& ids);
Result<std::vector<int64_t>> decode_ids(std::string_view blob);

}  // namespace groundline::kb
