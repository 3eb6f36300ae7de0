#include "kb/lexical.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>

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

// A posting after its chunk id: tf_text << 2 | has_headings << 1 |
// has_codes, the text length, then what the flags announce.
void put_fields(std::string& out, const std::array<uint32_t, kFieldCount>& tf,
                const std::array<uint32_t, kFieldCount>& lengths) {
  bool head = tf[kHeadingsField] > 0, code = tf[kCodesField] > 0;
  put_varint(out, (static_cast<uint64_t>(tf[kTextField]) << 2) | (head ? 2u : 0u) | (code ? 1u : 0u));
  put_varint(out, lengths[kTextField]);
  if (head) {
    put_varint(out, tf[kHeadingsField]);
    put_varint(out, lengths[kHeadingsField]);
  }
  if (code) put_varint(out, tf[kCodesField]);
}

// The index term of every word form met on this thread, interned: a corpus
// has few distinct word forms, so lowercasing, the stop-word check and
// stemming run once per form, and counting a chunk's terms costs one hash
// lookup per word. Terms get local ids here; their ids in a batch's
// dictionary are looked up once per term and batch.
class WordTerms {
 public:
  // The local id of the word's term, or -1 for a stop word. Words of up to
  // 16 bytes, nearly all of any text, are keys of one open-addressing
  // table that holds their bytes in the slot: a lookup is a multiply and
  // usually one cache line, and it is exact, so a word met before never
  // takes a second lookup.
  int32_t term_of(std::string_view word) {
    if (word.empty() || word.size() > sizeof(ShortForm::key)) return long_term_of(word);
    uint64_t key[2] = {0, 0};
    std::memcpy(key, word.data(), word.size());
    const auto length = static_cast<uint32_t>(word.size());
    const size_t mask = short_forms_.size() - 1;
    for (size_t i = slot_of(key, length);; i = (i + 1) & mask) {
      const ShortForm& form = short_forms_[i];
      if (form.length == length && form.key[0] == key[0] && form.key[1] == key[1]) return form.id;
      if (form.length == 0) return add_short_form(key, word);
    }
  }
  // A hint to the cache: the word will be looked up soon.
  void prefetch(std::string_view word) const {
    if (word.empty() || word.size() > sizeof(ShortForm::key)) return;
    uint64_t key[2] = {0, 0};
    std::memcpy(key, word.data(), word.size());
    __builtin_prefetch(&short_forms_[slot_of(key, static_cast<uint32_t>(word.size()))]);
  }
  const std::string& term(int32_t id) const { return term_text_[static_cast<size_t>(id)]; }
  // Where the term sits in the chunk or document being counted (-1: not
  // there yet). Reset to -1 when the count is done.
  int32_t& chunk_slot(int32_t id) { return chunk_slot_[static_cast<size_t>(id)]; }
  int32_t& document_slot(int32_t id) { return document_slot_[static_cast<size_t>(id)]; }
  int32_t global_id(int32_t id, TermDictionary& dictionary) {
    if (serial_ != dictionary.serial()) {
      serial_ = dictionary.serial();
      std::fill(global_.begin(), global_.end(), -1);
    }
    int32_t& global = global_[static_cast<size_t>(id)];
    if (global < 0) global = dictionary.id(term_text_[static_cast<size_t>(id)]);
    return global;
  }
  // Forgets everything when hostile input made the table large; only
  // between documents, when no id is in use.
  void bound_size() {
    if (short_count_ + long_forms_.size() < kMaxForms && long_forms_.key_bytes() < kMaxKeyBytes) return;
    *this = WordTerms();
  }

 private:
  struct ShortForm {
    uint64_t key[2] = {0, 0};  // the word's bytes, zero-padded
    uint32_t length = 0;       // 0: a free slot
    int32_t id = -1;
  };

  size_t slot_of(const uint64_t key[2], uint32_t length) const {
    uint64_t mix = (key[0] * 0x9E3779B97F4A7C15ull) ^ (key[1] * 0xC2B2AE3D27D4EB4Full) ^ length;
    return (mix * 0x9E3779B97F4A7C15ull) >> (64 - short_bits_);
  }

  int32_t add_short_form(const uint64_t key[2], std::string_view word) {
    int32_t id = term_id_of(word);
    if (2 * (short_count_ + 1) > short_forms_.size()) grow_short_forms();
    place({{key[0], key[1]}, static_cast<uint32_t>(word.size()), id});
    ++short_count_;
    return id;
  }

  void place(const ShortForm& form) {
    const size_t mask = short_forms_.size() - 1;
    size_t i = slot_of(form.key, form.length);
    while (short_forms_[i].length != 0) i = (i + 1) & mask;
    short_forms_[i] = form;
  }

  void grow_short_forms() {
    std::vector<ShortForm> old(short_forms_.size() * 2);
    old.swap(short_forms_);
    ++short_bits_;
    for (const auto& form : old)
      if (form.length != 0) place(form);
  }

  int32_t long_term_of(std::string_view word) {
    uint64_t hash = core::StringIds::hash(word);
    if (const int32_t* id = long_forms_.find(word, hash)) return *id;
    int32_t id = term_id_of(word);
    long_forms_.insert(word, hash, id);
    return id;
  }

  // The local id of a word form's term, added when new; -1 for a stop word.
  int32_t term_id_of(std::string_view word) {
    std::string term = core::index_term(word);
    if (term.empty()) return -1;
    uint64_t term_hash = core::StringIds::hash(term);
    if (const int32_t* known = terms_.find(term, term_hash)) return *known;
    auto id = static_cast<int32_t>(term_text_.size());
    terms_.insert(term, term_hash, id);
    term_text_.push_back(std::move(term));
    chunk_slot_.push_back(-1);
    document_slot_.push_back(-1);
    global_.push_back(-1);
    return id;
  }

  static constexpr size_t kMaxForms = 1'000'000, kMaxKeyBytes = 64u << 20;
  static constexpr int kInitialShortBits = 13;
  int short_bits_ = kInitialShortBits;
  std::vector<ShortForm> short_forms_ = std::vector<ShortForm>(size_t{1} << kInitialShortBits);
  size_t short_count_ = 0;
  core::StringIds long_forms_, terms_;
  std::vector<std::string> term_text_;
  std::vector<int32_t> chunk_slot_, document_slot_, global_;
  uint64_t serial_ = 0;
};

WordTerms& thread_terms() {
  thread_local WordTerms table;
  return table;
}

struct LocalCount {
  int32_t term = 0;  // local id
  std::array<uint32_t, kFieldCount> tf{};
};

void count_term(int32_t id, Field field, WordTerms& table, std::vector<LocalCount>& out,
                std::array<uint32_t, kFieldCount>& lengths) {
  if (id < 0) return;
  lengths[field]++;
  int32_t& slot = table.chunk_slot(id);
  if (slot < 0) {
    slot = static_cast<int32_t>(out.size());
    out.push_back({id, {}});
  }
  out[static_cast<size_t>(slot)].tf[field]++;
}

void count_words(std::string_view text, Field field, WordTerms& table, std::vector<LocalCount>& out,
                 std::array<uint32_t, kFieldCount>& lengths) {
  core::for_each_word(text, [&](std::string_view word, size_t, size_t) {
    count_term(table.term_of(word), field, table, out, lengths);
  });
}

// The words of a document's text, each with its local term id (-1: a stop
// word), so that chunks, which overlap, reuse one pass over the text.
struct DocumentWord {
  uint32_t begin = 0, end = 0;
  int32_t term = -1;
};

std::vector<DocumentWord> words_of(std::string_view text, WordTerms& table) {
  std::vector<DocumentWord> words;
  if (text.size() >= UINT32_MAX) return words;  // counted chunk by chunk instead
  words.reserve(text.size() / 6);
  core::for_each_word(text, [&](std::string_view, size_t begin, size_t end) {
    words.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(end), -1});
  });
  // The table of forms outgrows the cache, so the slot of a word a little
  // ahead is fetched while this one is looked up.
  constexpr size_t kAhead = 8;
  auto word_at = [&](size_t k) { return text.substr(words[k].begin, words[k].end - words[k].begin); };
  for (size_t k = 0; k < words.size(); ++k) {
    if (k + kAhead < words.size()) table.prefetch(word_at(k + kAhead));
    words[k].term = table.term_of(word_at(k));
  }
  return words;
}

// Counts the text field of a chunk whose text is the slice [begin, end) of
// the document's text from the document's words. False, with nothing
// counted, when a word crosses an end of the slice (a long word cut
// inside): the chunk's own words differ there.
bool count_slice(const std::vector<DocumentWord>& words, size_t begin, size_t end, WordTerms& table,
                 std::vector<LocalCount>& out, std::array<uint32_t, kFieldCount>& lengths) {
  auto starts_before = [](const DocumentWord& w, size_t at) { return w.begin < at; };
  auto first = std::lower_bound(words.begin(), words.end(), begin, starts_before);
  auto last = std::lower_bound(first, words.end(), end, starts_before);
  if (first != words.begin() && std::prev(first)->end > begin) return false;
  if (last != first && std::prev(last)->end > end) return false;
  for (auto w = first; w != last; ++w) count_term(w->term, kTextField, table, out, lengths);
  return true;
}

// A chunk's terms in order of first appearance (into `out`), and its
// field lengths. `words` are the document's (empty: none).
std::array<uint32_t, kFieldCount> count_chunk(const Chunk& chunk, WordTerms& table,
                                              std::vector<LocalCount>& out,
                                              std::string_view document_text = {},
                                              const std::vector<DocumentWord>& words = {}) {
  out.clear();
  std::array<uint32_t, kFieldCount> lengths{};
  bool counted = !words.empty() && is_slice_of(document_text, chunk) &&
                 count_slice(words, chunk.text_begin, chunk.text_end, table, out, lengths);
  if (!counted) count_words(chunk.text, kTextField, table, out, lengths);
  count_words(chunk.headings, kHeadingsField, table, out, lengths);
  for (const auto& code : chunk.codes) count_words(code, kCodesField, table, out, lengths);
  for (const auto& c : out) table.chunk_slot(c.term) = -1;
  return lengths;
}

}  // namespace

ChunkTerms terms_of(const Chunk& chunk) {
  WordTerms& table = thread_terms();
  table.bound_size();
  std::vector<LocalCount> counts;
  ChunkTerms out;
  out.lengths = count_chunk(chunk, table, counts);
  out.terms.reserve(counts.size());
  for (const auto& c : counts) out.terms.push_back({table.term(c.term), c.tf});
  return out;
}

struct TermDictionary::Table {
  mutable std::mutex mutex;
  core::StringIds ids;
  std::deque<std::string> terms;
};

namespace {
std::atomic<uint64_t> next_dictionary_serial{1};
}

TermDictionary::TermDictionary() : table_(std::make_unique<Table>()), serial_(next_dictionary_serial++) {}
TermDictionary::~TermDictionary() = default;

int32_t TermDictionary::id(std::string_view term) {
  uint64_t hash = core::StringIds::hash(term);
  std::lock_guard lock(table_->mutex);
  if (const int32_t* id = table_->ids.find(term, hash)) return *id;
  auto id = static_cast<int32_t>(table_->terms.size());
  table_->ids.insert(term, hash, id);
  table_->terms.emplace_back(term);
  return id;
}

std::string TermDictionary::term(int32_t id) const {
  std::lock_guard lock(table_->mutex);
  return table_->terms.at(static_cast<size_t>(id));
}

namespace {

// One posting of a document being inverted.
struct Entry {
  uint32_t term = 0;  // index into the document's terms
  uint32_t chunk = 0;
  std::array<uint32_t, kFieldCount> tf{};
};

// Groups entries by term, each group still in chunk order (a counting
// sort); `starts` gets each term's first index, and one past the end.
std::vector<Entry> group_by_term(const std::vector<Entry>& entries, const std::vector<uint32_t>& counts,
                                 std::vector<size_t>& starts) {
  starts.assign(counts.size() + 1, 0);
  for (size_t t = 0; t < counts.size(); ++t) starts[t + 1] = starts[t] + counts[t];
  std::vector<size_t> next(starts.begin(), starts.end() - 1);
  std::vector<Entry> grouped(entries.size());
  for (const auto& e : entries) grouped[next[e.term]++] = e;
  return grouped;
}

}  // namespace

DocumentTerms invert(const std::vector<Chunk>& chunks, TermDictionary& dictionary,
                     std::string_view document_text) {
  WordTerms& table = thread_terms();
  table.bound_size();
  const auto words = words_of(document_text, table);
  DocumentTerms out;
  out.dictionary = &dictionary;
  out.lengths.reserve(chunks.size());
  std::vector<Entry> entries;
  std::vector<int32_t> terms;  // local ids, in order of first appearance
  std::vector<uint32_t> counts;
  std::vector<LocalCount> chunk_terms;
  for (size_t c = 0; c < chunks.size(); ++c) {
    out.lengths.push_back(count_chunk(chunks[c], table, chunk_terms, document_text, words));
    for (const auto& t : chunk_terms) {
      int32_t& slot = table.document_slot(t.term);
      if (slot < 0) {
        slot = static_cast<int32_t>(terms.size());
        terms.push_back(t.term);
        counts.push_back(0);
      }
      counts[static_cast<size_t>(slot)]++;
      entries.push_back({static_cast<uint32_t>(slot), static_cast<uint32_t>(c), t.tf});
    }
  }
  std::vector<size_t> starts;
  auto grouped = group_by_term(entries, counts, starts);
  out.bytes.reserve(entries.size() * 4);
  out.segments.reserve(terms.size());
  for (size_t t = 0; t < terms.size(); ++t) {
    TermSegment segment;
    segment.term = table.global_id(terms[t], dictionary);
    segment.count = counts[t];
    segment.begin = out.bytes.size();
    segment.first_chunk = grouped[starts[t]].chunk;
    uint32_t previous = segment.first_chunk;
    for (size_t k = starts[t]; k < starts[t + 1]; ++k) {
      const Entry& e = grouped[k];
      if (k > starts[t]) put_varint(out.bytes, e.chunk - previous);
      previous = e.chunk;
      put_fields(out.bytes, e.tf, out.lengths[e.chunk]);
    }
    segment.last_chunk = previous;
    segment.end = out.bytes.size();
    out.segments.push_back(segment);
    table.document_slot(terms[t]) = -1;
  }
  return out;
}

void PostingListBuilder::add(const Posting& posting) {
  put_varint(bytes_, static_cast<uint64_t>(posting.chunk_id - last_id_));
  last_id_ = posting.chunk_id;
  put_fields(bytes_, posting.tf, posting.lengths);
  ++count_;
}

void PostingListBuilder::append(const TermSegment& segment, std::string_view document_bytes,
                                int64_t first_id) {
  put_varint(bytes_, static_cast<uint64_t>(first_id + segment.first_chunk - last_id_));
  bytes_.append(document_bytes.substr(segment.begin, segment.end - segment.begin));
  last_id_ = first_id + segment.last_chunk;
  count_ += segment.count;
}

std::string PostingListBuilder::blob() const {
  std::string out;
  out.reserve(bytes_.size() + 10);
  put_varint(out, count_);
  out += bytes_;
  return out;
}

std::string encode_postings(const std::vector<Posting>& postings) {
  PostingListBuilder list;
  for (const auto& p : postings) list.add(p);
  return list.blob();
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
