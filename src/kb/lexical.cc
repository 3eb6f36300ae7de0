#include "kb/lexical.h"

#include <algorithm>
#include <unordered_map>

#include "core/string_ids.h"
#include "core/words.h"
#include "kb/document.h"

namespace groundline::kb {

namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads varints from a blob; `ok()` turns false on a truncated or overlong
// value and every later read returns 0.
class Reader {
 public:
  explicit Reader(std::string_view blob) : blob_(blob) {}
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= blob_.size()) return fail();
      auto byte = static_cast<uint8_t>(blob_[pos_++]);
      v |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
    return fail();
  }
  std::string_view bytes(size_t n) {
    if (n > blob_.size() - pos_) {
      fail();
      return {};
    }
    auto out = blob_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  bool ok() const { return ok_; }
  bool done() const { return pos_ == blob_.size(); }

 private:
  uint64_t fail() {
    ok_ = false;
    pos_ = blob_.size();
    return 0;
  }
  std::string_view blob_;
  size_t pos_ = 0;
  bool ok_ = true;
};

Error corrupt(const char* what) {
  return Error{std::string("corrupt lexical index: ") + what};
}

// The index term of every word form met on this thread, interned: a corpus
// has few distinct word forms, so lowercasing, the stop-word check and
// stemming run once per form, and counting a chunk's terms costs one hash
// lookup per word.
class WordTerms {
 public:
  // The id of the word's term, or -1 for a stop word.
  int32_t term_of(std::string_view word) {
    uint64_t hash = core::StringIds::hash(word);
    if (const int32_t* id = ids_.find(word, hash)) return *id;
    std::string term = core::index_term(word);
    int32_t id = -1;
    if (!term.empty()) {
      auto [at, added] = term_ids_.try_emplace(term, static_cast<int32_t>(terms_.size()));
      if (added) {
        terms_.push_back(std::move(term));
        slot_.push_back(-1);
      }
      id = at->second;
    }
    ids_.insert(word, hash, id);
    return id;
  }
  const std::string& term(int32_t id) const { return terms_[static_cast<size_t>(id)]; }
  // Where the term sits in the chunk being counted (-1: not yet there).
  int32_t& slot(int32_t id) { return slot_[static_cast<size_t>(id)]; }
  // Forgets everything when hostile input made the table large; only
  // between chunks, when no id is in use.
  void bound_size() {
    if (ids_.size() < kMaxForms && ids_.key_bytes() < kMaxKeyBytes) return;
    ids_.clear();
    term_ids_.clear();
    terms_.clear();
    slot_.clear();
  }

 private:
  static constexpr size_t kMaxForms = 1'000'000, kMaxKeyBytes = 64u << 20;
  core::StringIds ids_;
  std::unordered_map<std::string, int32_t> term_ids_;
  std::vector<std::string> terms_;
  std::vector<int32_t> slot_;
};

void count_words(std::string_view text, Field field, WordTerms& table, std::vector<int32_t>& seen,
                 ChunkTerms& out) {
  core::for_each_word(text, [&](std::string_view word, size_t, size_t) {
    int32_t id = table.term_of(word);
    if (id < 0) return;
    out.lengths[field]++;
    int32_t& slot = table.slot(id);
    if (slot < 0) {
      slot = static_cast<int32_t>(out.terms.size());
      out.terms.push_back({table.term(id), {}});
      seen.push_back(id);
    }
    out.terms[static_cast<size_t>(slot)].tf[field]++;
  });
}

}  // namespace

ChunkTerms terms_of(const Chunk& chunk) {
  thread_local WordTerms table;
  table.bound_size();
  ChunkTerms out;
  std::vector<int32_t> seen;
  count_words(chunk.text, kTextField, table, seen, out);
  count_words(chunk.headings, kHeadingsField, table, seen, out);
  for (const auto& code : chunk.codes) count_words(code, kCodesField, table, seen, out);
  for (int32_t id : seen) table.slot(id) = -1;
  return out;
}

DocumentTerms invert(const std::vector<Chunk>& chunks) {
  DocumentTerms out;
  core::StringIds index;
  out.lengths.reserve(chunks.size());
  for (size_t c = 0; c < chunks.size(); ++c) {
    ChunkTerms terms = terms_of(chunks[c]);
    out.lengths.push_back(terms.lengths);
    for (const auto& t : terms.terms) {
      uint64_t hash = core::StringIds::hash(t.term);
      const int32_t* at = index.find(t.term, hash);
      size_t i = at ? static_cast<size_t>(*at) : out.terms.size();
      if (!at) {
        index.insert(t.term, hash, static_cast<int32_t>(i));
        out.terms.push_back(t.term);
        out.postings.emplace_back();
      }
      out.postings[i].push_back({static_cast<uint32_t>(c), t.tf});
    }
  }
  return out;
}

std::string encode_postings(const std::vector<Posting>& postings) {
  std::string out;
  out.reserve(postings.size() * 5 + 4);
  put_varint(out, postings.size());
  int64_t previous = 0;
  for (const auto& p : postings) {
    put_varint(out, static_cast<uint64_t>(p.chunk_id - previous));
    previous = p.chunk_id;
    bool head = p.tf[kHeadingsField] > 0, code = p.tf[kCodesField] > 0;
    put_varint(out, (static_cast<uint64_t>(p.tf[kTextField]) << 2) | (head ? 2u : 0u) | (code ? 1u : 0u));
    put_varint(out, p.lengths[kTextField]);
    if (head) {
      put_varint(out, p.tf[kHeadingsField]);
      put_varint(out, p.lengths[kHeadingsField]);
    }
    if (code) put_varint(out, p.tf[kCodesField]);
  }
  return out;
}

Result<std::vector<Posting>> decode_postings(std::string_view blob) {
  PostingCursor cursor(blob);
  std::vector<Posting> out(cursor.size());
  for (auto& p : out) cursor.next(p);
  if (!cursor.ok()) return corrupt("postings");
  return out;
}

std::string encode_ids(const std::vector<int64_t>& ids) {
  std::string out;
  put_varint(out, ids.size());
  int64_t previous = 0;
  for (int64_t id : ids) {
    put_varint(out, static_cast<uint64_t>(id - previous));
    previous = id;
  }
  return out;
}

Result<std::vector<int64_t>> decode_ids(std::string_view blob) {
  Reader in(blob);
  uint64_t n = in.varint();
  if (!in.ok() || n > blob.size()) return corrupt("tag list");
  std::vector<int64_t> out(n);
  int64_t id = 0;
  for (auto& v : out) v = id += static_cast<int64_t>(in.varint());
  if (!in.ok() || !in.done()) return corrupt("tag list");
  return out;
}

}  // namespace groundline::kb
