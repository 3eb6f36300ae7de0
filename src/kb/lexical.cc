#include "kb/lexical.h"

#include <algorithm>
#include <unordered_map>

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

void count_words(std::string_view text, Field field, std::unordered_map<std::string, TermCount>& counts,
                 ChunkTerms& out) {
  core::for_each_word(text, [&](std::string_view word, size_t, size_t) {
    std::string term = core::index_term(word);
    if (term.empty()) return;
    out.lengths[field]++;
    auto& c = counts[term];
    c.tf[field]++;
  });
}

}  // namespace

ChunkTerms terms_of(const Chunk& chunk) {
  ChunkTerms out;
  std::unordered_map<std::string, TermCount> counts;
  count_words(chunk.text, kTextField, counts, out);
  count_words(chunk.headings, kHeadingsField, counts, out);
  for (const auto& code : chunk.codes) count_words(code, kCodesField, counts, out);
  out.terms.reserve(counts.size());
  for (auto& [term, c] : counts) {
    c.term = term;
    out.terms.push_back(std::move(c));
  }
  std::sort(out.terms.begin(), out.terms.end(), [](const auto& a, const auto& b) { return a.term < b.term; });
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

PostingCursor::PostingCursor(std::string_view blob) : blob_(blob) {
  size_ = static_cast<size_t>(varint());
  if (!ok_ || size_ > blob.size()) {
    ok_ = false;
    size_ = 0;
  }
}

uint64_t PostingCursor::varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && pos_ < blob_.size(); shift += 7) {
    auto byte = static_cast<uint8_t>(blob_[pos_++]);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return v;
  }
  ok_ = false;
  return 0;
}

bool PostingCursor::next(Posting& p) {
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
