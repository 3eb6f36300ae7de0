#include "llm/tokenizer.h"

#include "core/utf8.h"
#include "llm/wordpiece.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <queue>

namespace groundline::llm {

namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

size_t utf8_char_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;  // a stray byte is a piece of its own
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  for (size_t at; (at = text.find(from, start)) != std::string_view::npos; start = at + from.size()) {
    out.append(text.substr(start, at - start));
    out.append(to);
  }
  out.append(text.substr(start));
  return out;
}

// Byte-level BPE writes each byte as a printable character: printable
// Latin-1 bytes stand for themselves, the others for 256 and up in order.
struct ByteCharacters {
  std::string of_byte[256];
  std::map<std::string, uint8_t> to_byte;
  ByteCharacters() {
    int32_t next = 256;
    for (int32_t b = 0; b < 256; ++b) {
      bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
      core::append_utf8(of_byte[b], printable ? b : next++);
      to_byte[of_byte[b]] = static_cast<uint8_t>(b);
    }
  }
};

const ByteCharacters& byte_characters() {
  static const ByteCharacters table;
  return table;
}

// The pre-tokenizer expressions of each `tokenizer.ggml.pre` name.
const char* const kGpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const char* const kLlama3 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char* const kQwen2 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char* const kCjk = "[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+";

Result<std::vector<std::string>> pre_tokenizer(const std::string& name) {
  if (name == "default" || name == "gpt-2" || name == "gpt2" || name == "mpt" || name == "olmo")
    return std::vector<std::string>{kGpt2};
  if (name == "llama3" || name == "llama-bpe" || name == "llama-v3" || name == "dbrx" || name == "smaug-bpe")
    return std::vector<std::string>{kLlama3};
  if (name == "qwen2") return std::vector<std::string>{kQwen2};
  if (name == "starcoder" || name == "refact" || name == "smollm" || name == "command-r")
    return std::vector<std::string>{"\\p{N}", kGpt2};
  if (name == "falcon")
    return std::vector<std::string>{"[\\p{P}\\$\\+<=>\\^~\\|`]+", kGpt2, "[0-9][0-9][0-9]"};
  if (name == "deepseek-coder")
    return std::vector<std::string>{"[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", kCjk, "\\p{N}"};
  if (name == "deepseek-llm")
    return std::vector<std::string>{
        "[\\r\\n]",
        "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}"
        "\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}"
        "\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}"
        "\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}"
        "\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}"
        "\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{"
        "1F7D}"
        "\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{"
        "1FD3}"
        "\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}"
        "\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}"
        "\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}"
        "\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}"
        "\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}"
        "\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}"
        "\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{"
        "118DF}"
        "\\x{1E900}-\\x{1E943}]+",
        "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
        "\\s+$",
        kCjk,
        "\\p{N}+"};
  return make_error("pre-tokenizer '" + name + "' is not supported");
}

// The token id under `key`, or -1 when it is missing or out of range.
Token token_id(const GgufFile& file, const char* key, size_t vocabulary_size) {
  auto v = file.get_uint(key);
  return v.ok() && *v < vocabulary_size ? static_cast<Token>(*v) : -1;
}

// The boolean under `key`, or `otherwise` when it is missing or not a boolean.
bool flag(const GgufFile& file, const char* key, bool otherwise) {
  const MetaValue* v = file.find(key);
  const bool* b = v ? std::get_if<bool>(&v->value) : nullptr;
  return b ? *b : otherwise;
}

// BERT's decoder clean-up: no space before . , ! ? nor around an apostrophe.
std::string clean_up_spaces(std::string_view decoded) {
  std::string text(decoded.starts_with(' ') ? decoded.substr(1) : decoded);
  constexpr std::string_view kRules[][2] = {{" .", "."}, {" ,", ","}, {" !", "!"}, {" ?", "?"}, {" ' ", "'"}};
  for (const auto& [from, to] : kRules) text = replace_all(text, from, to);
  return text;
}

}  // namespace

void Tokenizer::FreeExpression::operator()(pcre2_real_code_8* code) const {
  pcre2_code_free(code);
}

Result<Tokenizer> Tokenizer::from_gguf(const GgufFile& file) {
  GL_ASSIGN_OR_RETURN(auto model, file.get_string("tokenizer.ggml.model"));
  Tokenizer t;
  if (model == "llama")
    t.kind_ = Kind::kSentencePiece;
  else if (model == "gpt2")
    t.kind_ = Kind::kBytePairs;
  else if (model == "bert")
    t.kind_ = Kind::kWordPiece;
  else
    return make_error("tokenizer model '" + model + "' is not supported (llama, gpt2 or bert)");
  GL_ASSIGN_OR_RETURN(t.tokens_, file.get_strings("tokenizer.ggml.tokens"));
  if (t.tokens_.empty() || t.tokens_.size() > (1u << 24))
    return make_error("tokenizer vocabulary size is absurd");
  if (t.kind_ == Kind::kSentencePiece) {
    GL_ASSIGN_OR_RETURN(auto scores, file.get_floats("tokenizer.ggml.scores"));
    if (scores.size() != t.tokens_.size()) return make_error("tokenizer scores do not match the vocabulary");
    t.scores_.assign(scores.begin(), scores.end());
  } else if (t.kind_ == Kind::kBytePairs) {
    GL_TRY(t.load_byte_pairs(file));
  }
  if (file.find("tokenizer.ggml.token_type")) {
    GL_ASSIGN_OR_RETURN(auto types, file.get_ints("tokenizer.ggml.token_type"));
    if (types.size() != t.tokens_.size())
      return make_error("tokenizer token types do not match the vocabulary");
    t.types_.assign(types.begin(), types.end());
  } else {
    t.types_.assign(t.tokens_.size(), kNormal);
  }
  t.bos_ = token_id(file, "tokenizer.ggml.bos_token_id", t.tokens_.size());
  t.eos_ = token_id(file, "tokenizer.ggml.eos_token_id", t.tokens_.size());
  t.unknown_ = token_id(file, "tokenizer.ggml.unknown_token_id", t.tokens_.size());
  t.add_space_prefix_ = flag(file, "tokenizer.ggml.add_space_prefix", t.kind_ == Kind::kSentencePiece);
  if (t.kind_ == Kind::kWordPiece) t.load_word_pieces(file);
  for (size_t i = 0; i < t.tokens_.size(); ++i) {
    t.ids_.emplace(t.tokens_[i], static_cast<Token>(i));
    if (t.types_[i] == kUserDefined && !t.tokens_[i].empty())
      t.user_defined_.push_back(static_cast<Token>(i));
  }
  std::stable_sort(t.user_defined_.begin(), t.user_defined_.end(), [&](Token a, Token b) {
    return t.tokens_[static_cast<size_t>(a)].size() > t.tokens_[static_cast<size_t>(b)].size();
  });
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    auto it = t.ids_.find(t.kind_ == Kind::kSentencePiece ? std::string(name) : byte_characters().of_byte[b]);
    t.byte_tokens_[b] = it == t.ids_.end() ? t.unknown_ : it->second;
  }
  return t;
}

Status Tokenizer::load_byte_pairs(const GgufFile& file) {
  GL_ASSIGN_OR_RETURN(auto merges, file.get_strings("tokenizer.ggml.merges"));
  merge_ranks_.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) merge_ranks_.emplace(merges[i], static_cast<int>(i));
  std::string pre = "default";
  if (file.find("tokenizer.ggml.pre")) {
    GL_ASSIGN_OR_RETURN(pre, file.get_string("tokenizer.ggml.pre"));
  }
  GL_ASSIGN_OR_RETURN(auto patterns, pre_tokenizer(pre));
  ignore_merges_ = pre == "llama3" || pre == "llama-bpe" || pre == "llama-v3";
  for (const auto& pattern : patterns) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                                     PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY | PCRE2_NO_UTF_CHECK,
                                     &error, &offset, nullptr);
    if (!code) return make_error("pre-tokenizer '" + pre + "': bad expression at " + std::to_string(offset));
    expressions_.emplace_back(code);
  }
  return {};
}

void Tokenizer::load_word_pieces(const GgufFile& file) {
  if (Token cls = token_id(file, "tokenizer.ggml.cls_token_id", tokens_.size()); cls >= 0) bos_ = cls;
  for (const char* key : {"tokenizer.ggml.seperator_token_id", "tokenizer.ggml.separator_token_id"}) {
    if (Token sep = token_id(file, key, tokens_.size()); sep >= 0) {
      eos_ = sep;
      break;
    }
  }
  add_sep_ = flag(file, "tokenizer.ggml.add_sep_token", flag(file, "tokenizer.ggml.add_eos_token", true));
  for (size_t i = 0; i < tokens_.size(); ++i) {
    longest_piece_ = std::max(longest_piece_, tokens_[i].size());
    if (unknown_ < 0 && tokens_[i] == "[UNK]") unknown_ = static_cast<Token>(i);
  }
}

std::vector<std::string_view> Tokenizer::pre_split(std::string_view text) const {
  std::vector<std::string_view> pieces;
  auto add_valid = [&](std::string_view valid) {
    if (valid.empty()) return;
    auto split = split_by_expressions(valid);
    pieces.insert(pieces.end(), split.begin(), split.end());
  };
  size_t valid = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t at = pos;
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
    } else if (core::decode_utf8(text, pos) < 0) {
      add_valid(text.substr(valid, at - valid));
      pieces.push_back(text.substr(at, pos - at));
      valid = pos;
    }
  }
  add_valid(text.substr(valid));
  return pieces;
}

std::vector<std::string_view> Tokenizer::split_by_expressions(std::string_view text) const {
  std::vector<std::string_view> pieces{text};
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create(1, nullptr), &pcre2_match_data_free);
  for (const auto& expression : expressions_) {
    pcre2_code* code = expression.get();
    std::vector<std::string_view> next;
    for (std::string_view piece : pieces) {
      size_t start = 0;  // matches and the text between them are both pieces
      for (size_t at = 0; at <= piece.size();) {
        int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(piece.data()), piece.size(), at,
                             PCRE2_NO_UTF_CHECK, match.get(), nullptr);
        if (rc < 0) break;
        PCRE2_SIZE* range = pcre2_get_ovector_pointer(match.get());
        if (range[1] == range[0]) {  // an empty match: try from the next character
          at = range[0] +
               (range[0] < piece.size() ? utf8_char_length(static_cast<unsigned char>(piece[range[0]])) : 1);
          continue;
        }
        if (range[0] > start) next.push_back(piece.substr(start, range[0] - start));
        next.push_back(piece.substr(range[0], range[1] - range[0]));
        start = at = range[1];
      }
      if (start < piece.size()) next.push_back(piece.substr(start));
    }
    pieces = std::move(next);
  }
  return pieces;
}

void Tokenizer::append_piece(std::string_view piece, std::vector<Token>& out) const {
  if (auto it = ids_.find(std::string(piece)); it != ids_.end()) {
    out.push_back(it->second);
    return;
  }
  if (kind_ == Kind::kSentencePiece) {
    for (unsigned char b : piece)
      if (byte_tokens_[b] >= 0) out.push_back(byte_tokens_[b]);
    return;
  }
  // A byte-level symbol outside the vocabulary: its characters one by one.
  for (size_t at = 0; at < piece.size();) {
    size_t n = std::min(utf8_char_length(static_cast<unsigned char>(piece[at])), piece.size() - at);
    if (auto it = ids_.find(std::string(piece.substr(at, n))); it != ids_.end()) out.push_back(it->second);
    at += n;
  }
}

namespace {

// Symbols of a piece merged pairwise by priority: the pair with the best
// priority first (then the leftmost), until no pair may be merged.
template <class Priority>
std::vector<std::string_view> merge_symbols(std::string_view text, Priority priority) {
  struct Symbol {
    size_t begin, length;
    int prev, next;
  };
  std::vector<Symbol> symbols;
  for (size_t at = 0; at < text.size();) {
    size_t n = std::min(utf8_char_length(static_cast<unsigned char>(text[at])), text.size() - at);
    int index = static_cast<int>(symbols.size());
    symbols.push_back({at, n, index - 1, index + 1});
    at += n;
  }
  if (symbols.empty()) return {};
  symbols.back().next = -1;
  struct Pair {
    int left, right;
    double priority;
    size_t length;
    bool operator<(const Pair& other) const {
      return priority < other.priority || (priority == other.priority && left > other.left);
    }
  };
  std::priority_queue<Pair> queue;
  auto try_pair = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[static_cast<size_t>(left)];
    const Symbol& r = symbols[static_cast<size_t>(right)];
    double p;
    if (priority(text.substr(l.begin, l.length), text.substr(r.begin, r.length), p))
      queue.push({left, right, p, l.length + r.length});
  };
  for (size_t i = 1; i < symbols.size(); ++i) try_pair(static_cast<int>(i) - 1, static_cast<int>(i));
  while (!queue.empty()) {
    Pair pair = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<size_t>(pair.left)];
    Symbol& right = symbols[static_cast<size_t>(pair.right)];
    if (left.length == 0 || right.length == 0 || left.length + right.length != pair.length)
      continue;  // stale
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = pair.left;
    try_pair(left.prev, pair.left);
    try_pair(pair.left, left.next);
  }
  std::vector<std::string_view> out;
  for (int i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next)
    out.push_back(text.substr(symbols[static_cast<size_t>(i)].begin, symbols[static_cast<size_t>(i)].length));
  return out;
}

}  // namespace

void Tokenizer::encode_sentencepiece(std::string_view text, bool at_start, std::vector<Token>& out) const {
  const std::string normal =
      replace_all(add_space_prefix_ && at_start ? " " + std::string(text) : std::string(text), " ", kSpace);
  auto symbols = merge_symbols(normal, [&](std::string_view a, std::string_view b, double& score) {
    auto it = ids_.find(std::string(a) + std::string(b));
    if (it == ids_.end()) return false;
    score = scores_[static_cast<size_t>(it->second)];
    return true;
  });
  for (auto symbol : symbols) append_piece(symbol, out);
}

void Tokenizer::encode_byte_pairs(std::string_view text, std::vector<Token>& out) const {
  const auto& characters = byte_characters();
  for (std::string_view piece : pre_split(text)) {
    std::string mapped;
    for (unsigned char b : piece) mapped += characters.of_byte[b];
    if (ignore_merges_) {
      if (auto it = ids_.find(mapped); it != ids_.end()) {
        out.push_back(it->second);
        continue;
      }
    }
    auto symbols = merge_symbols(mapped, [&](std::string_view a, std::string_view b, double& rank) {
      std::string key;
      key.reserve(a.size() + b.size() + 1);
      key.append(a).append(" ").append(b);
      auto it = merge_ranks_.find(key);
      if (it == merge_ranks_.end()) return false;
      rank = -static_cast<double>(it->second);  // a lower rank merges first
      return true;
    });
    for (auto symbol : symbols) append_piece(symbol, out);
  }
}

void Tokenizer::encode_word_pieces(std::string_view text, std::vector<Token>& out) const {
  for_each_bert_word(
      text, [&](std::string_view word) { append_word_pieces(word, ids_, longest_piece_, unknown_, out); });
}

std::vector<Token> Tokenizer::encode(std::string_view text, bool add_bos) const {
  std::vector<Token> out;
  if (add_bos && bos_ >= 0) out.push_back(bos_);
  // Fragments of text and user-defined tokens, the longest tokens first.
  struct Fragment {
    std::string_view text;
    Token token;  // -1: text to tokenize
  };
  std::vector<Fragment> fragments{{text, -1}};
  for (Token special : user_defined_) {
    const std::string& s = tokens_[static_cast<size_t>(special)];
    std::vector<Fragment> next;
    for (const auto& f : fragments) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      size_t start = 0;
      for (size_t at; (at = f.text.find(s, start)) != std::string_view::npos; start = at + s.size()) {
        if (at > start) next.push_back({f.text.substr(start, at - start), -1});
        next.push_back({{}, special});
      }
      if (start < f.text.size()) next.push_back({f.text.substr(start), -1});
    }
    fragments = std::move(next);
  }
  for (size_t i = 0; i < fragments.size(); ++i) {
    const auto& f = fragments[i];
    if (f.token >= 0)
      out.push_back(f.token);
    else if (f.text.empty())
      continue;
    else if (kind_ == Kind::kSentencePiece)
      encode_sentencepiece(f.text, i == 0, out);
    else if (kind_ == Kind::kBytePairs)
      encode_byte_pairs(f.text, out);
    else
      encode_word_pieces(f.text, out);
  }
  if (add_bos && kind_ == Kind::kWordPiece && add_sep_ && eos_ >= 0) out.push_back(eos_);
  return out;
}

std::string Tokenizer::piece(Token token) const {
  if (token < 0 || static_cast<size_t>(token) >= tokens_.size()) return {};
  auto index = static_cast<size_t>(token);
  const std::string& text = tokens_[index];
  switch (types_[index]) {
    case kControl:
    case kUnknown:
    case kUnused:
      return {};
    case kUserDefined:
      return text;
    case kByte: {
      unsigned value = 0;
      if (std::sscanf(text.c_str(), "<0x%02X>", &value) == 1) return std::string(1, static_cast<char>(value));
      return {};
    }
    default:
      break;
  }
  if (kind_ == Kind::kSentencePiece) return replace_all(text, kSpace, " ");
  if (kind_ == Kind::kWordPiece)  // a word's first piece, or a continuation
    return text.starts_with(kWordStart) ? " " + text.substr(kWordStart.size()) : text;
  std::string bytes;  // byte-level: each character stands for a byte
  const auto& characters = byte_characters();
  for (size_t at = 0; at < text.size();) {
    size_t n = std::min(utf8_char_length(static_cast<unsigned char>(text[at])), text.size() - at);
    auto it = characters.to_byte.find(text.substr(at, n));
    if (it != characters.to_byte.end())
      bytes.push_back(static_cast<char>(it->second));
    else
      bytes.append(text, at, n);
    at += n;
  }
  return bytes;
}

std::string Tokenizer::decode(const std::vector<Token>& tokens) const {
  std::string out;
  for (Token t : tokens) out += piece(t);
  if (kind_ == Kind::kWordPiece) return clean_up_spaces(out);
  if (kind_ == Kind::kSentencePiece && add_space_prefix_ && !out.empty() && out[0] == ' ') out.erase(0, 1);
  return out;
}

}  // namespace groundline::llm
