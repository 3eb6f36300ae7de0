#include "llm/wordpiece.h"

#include <utf8proc.h>

#include "core/utf8.h"

namespace groundline::llm {

namespace {

// The ideographs BERT treats as words of their own: the CJK Unified
// Ideographs blocks and extensions A to E, and the compatibility blocks.
// Hangul, kana and CJK punctuation are not among them.
bool is_cjk(int32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool is_punctuation(int32_t cp) {
  if (cp < 0x80)  // BERT counts every ASCII symbol, $ + < = > ^ ` | ~ included
    return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
           (cp >= 123 && cp <= 126);
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

enum class Role { kDrop, kSpace, kText };

// What a code point of the raw text is; -1 stands for an invalid byte.
Role role_of(int32_t cp) {
  if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') return Role::kSpace;
  if (cp <= 0 || cp == 0xFFFD) return Role::kDrop;
  if (cp < 0x80) return cp < 0x20 || cp == 0x7F ? Role::kDrop : Role::kText;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return Role::kSpace;
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CS:
      return Role::kDrop;
    default:
      return Role::kText;
  }
}

// Gathers code points into the current word and hands on each finished one.
class WordCutter {
 public:
  explicit WordCutter(const std::function<void(std::string_view)>& emit) : emit_(emit) {}
  // Punctuation is a word alone; anything else extends the current word.
  void take(int32_t cp) {
    if (!is_punctuation(cp)) return core::append_utf8(word_, cp);
    end();
    core::append_utf8(word_, cp);
    end();
  }
  void end() {
    if (word_.empty()) return;
    emit_(word_);
    word_.clear();
  }

 private:
  const std::function<void(std::string_view)>& emit_;
  std::string word_;
};

// A text code point decomposed, stripped of accents and lowercased.
void add_normalised(int32_t cp, WordCutter& words) {
  if (cp < 0x80) return words.take(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
  utf8proc_int32_t parts[8];
  int boundary = 0;
  utf8proc_ssize_t n = utf8proc_decompose_char(cp, parts, 8, UTF8PROC_DECOMPOSE, &boundary);
  if (n < 1 || n > 8) {
    parts[0] = cp;
    n = 1;
  }
  for (utf8proc_ssize_t i = 0; i < n; ++i)
    if (utf8proc_category(parts[i]) != UTF8PROC_CATEGORY_MN) words.take(utf8proc_tolower(parts[i]));
}

}  // namespace

void for_each_bert_word(std::string_view text, const std::function<void(std::string_view)>& word) {
  WordCutter words(word);
  for (size_t pos = 0; pos < text.size();) {
    int32_t cp = core::decode_utf8(text, pos);
    switch (role_of(cp)) {
      case Role::kDrop:
        break;
      case Role::kSpace:
        words.end();
        break;
      case Role::kText:
        if (is_cjk(cp)) words.end();
        add_normalised(cp, words);
        if (is_cjk(cp)) words.end();
        break;
    }
  }
  words.end();
}

void append_word_pieces(std::string_view word, const std::unordered_map<std::string, int32_t>& ids,
                        size_t longest_piece, int32_t unknown, std::vector<int32_t>& out) {
  auto give_up = [&](size_t keep) {
    out.resize(keep);
    if (unknown >= 0) out.push_back(unknown);
  };
  if (core::utf8_length(word) > kMaxWordLength) return give_up(out.size());
  std::vector<size_t> bounds;  // where each code point starts, then the end
  for (size_t i = 0; i < word.size(); ++i)
    if ((static_cast<unsigned char>(word[i]) & 0xC0) != 0x80) bounds.push_back(i);
  bounds.push_back(word.size());
  const size_t first = out.size();
  std::string key;
  for (size_t start = 0; start + 1 < bounds.size();) {
    size_t end = bounds.size() - 1;
    for (; end > start; --end) {
      size_t bytes = bounds[end] - bounds[start];
      if (bytes > longest_piece) continue;
      key.assign(start == 0 ? kWordStart : std::string_view{});
      key.append(word.substr(bounds[start], bytes));
      if (auto it = ids.find(key); it != ids.end()) {
        out.push_back(it->second);
        break;
      }
    }
    if (end == start) return give_up(first);
    start = end;
  }
}

}  // namespace groundline::llm
