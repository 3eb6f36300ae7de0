#include "llm/tokenizer.h"

#include <cstdio>
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

}  // namespace

Result<Tokenizer> Tokenizer::from_gguf(const GgufFile& file) {
  GL_ASSIGN_OR_RETURN(auto model, file.get_string("tokenizer.ggml.model"));
  if (model != "llama")
    return make_error("tokenizer model '" + model + "' is not supported yet (only llama)");
  Tokenizer t;
  GL_ASSIGN_OR_RETURN(t.tokens_, file.get_strings("tokenizer.ggml.tokens"));
  if (t.tokens_.empty() || t.tokens_.size() > (1u << 24))
    return make_error("tokenizer vocabulary size is absurd");
  GL_ASSIGN_OR_RETURN(auto scores, file.get_floats("tokenizer.ggml.scores"));
  if (scores.size() != t.tokens_.size()) return make_error("tokenizer scores do not match the vocabulary");
  t.scores_.assign(scores.begin(), scores.end());
  if (file.find("tokenizer.ggml.token_type")) {
    GL_ASSIGN_OR_RETURN(auto types, file.get_ints("tokenizer.ggml.token_type"));
    if (types.size() != t.tokens_.size())
      return make_error("tokenizer token types do not match the vocabulary");
    t.types_.assign(types.begin(), types.end());
  } else {
    t.types_.assign(t.tokens_.size(), kNormal);
  }
  auto id_of = [&](const char* key) -> Token {
    auto v = file.get_uint(key);
    return v.ok() && *v < t.tokens_.size() ? static_cast<Token>(*v) : -1;
  };
  t.bos_ = id_of("tokenizer.ggml.bos_token_id");
  t.eos_ = id_of("tokenizer.ggml.eos_token_id");
  t.unknown_ = id_of("tokenizer.ggml.unknown_token_id");
  if (const MetaValue* v = file.find("tokenizer.ggml.add_space_prefix"))
    if (auto* b = std::get_if<bool>(&v->value)) t.add_space_prefix_ = *b;
  for (size_t i = 0; i < t.tokens_.size(); ++i) t.ids_.emplace(t.tokens_[i], static_cast<Token>(i));
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    auto it = t.ids_.find(name);
    t.byte_tokens_[b] = it == t.ids_.end() ? t.unknown_ : it->second;
  }
  return t;
}

void Tokenizer::append_piece(std::string_view piece, std::vector<Token>& out) const {
  if (auto it = ids_.find(std::string(piece)); it != ids_.end()) {
    out.push_back(it->second);
    return;
  }
  for (unsigned char b : piece)
    if (byte_tokens_[b] >= 0) out.push_back(byte_tokens_[b]);
}

std::vector<Token> Tokenizer::encode(std::string_view text, bool add_bos) const {
  std::vector<Token> out;
  if (add_bos && bos_ >= 0) out.push_back(bos_);
  if (text.empty()) return out;
  const std::string normal =
      replace_all(add_space_prefix_ ? " " + std::string(text) : std::string(text), " ", kSpace);

  // Symbols: runs of the text, linked in order; merged ones have length 0.
  struct Symbol {
    size_t begin, length;
    int prev, next;
  };
  std::vector<Symbol> symbols;
  for (size_t at = 0; at < normal.size();) {
    size_t n = std::min(utf8_char_length(static_cast<unsigned char>(normal[at])), normal.size() - at);
    int index = static_cast<int>(symbols.size());
    symbols.push_back({at, n, index - 1, index + 1});
    at += n;
  }
  symbols.back().next = -1;

  struct Bigram {
    int left, right;
    float score;
    size_t length;
    bool operator<(const Bigram& other) const {  // the highest score first, then the leftmost
      return score < other.score || (score == other.score && left > other.left);
    }
  };
  std::priority_queue<Bigram> queue;
  auto try_pair = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    std::string_view joined(normal.data() + symbols[left].begin,
                            symbols[left].length + symbols[right].length);
    auto it = ids_.find(std::string(joined));
    if (it == ids_.end()) return;
    queue.push({left, right, scores_[static_cast<size_t>(it->second)], joined.size()});
  };
  for (size_t i = 1; i < symbols.size(); ++i) try_pair(static_cast<int>(i) - 1, static_cast<int>(i));
  while (!queue.empty()) {
    Bigram b = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<size_t>(b.left)];
    Symbol& right = symbols[static_cast<size_t>(b.right)];
    if (left.length == 0 || right.length == 0 || left.length + right.length != b.length) continue;  // stale
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = b.left;
    try_pair(left.prev, b.left);
    try_pair(b.left, left.next);
  }
  for (int i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next)
    append_piece(std::string_view(normal).substr(symbols[static_cast<size_t>(i)].begin,
                                                 symbols[static_cast<size_t>(i)].length),
                 out);
  return out;
}

std::string Tokenizer::piece(Token token) const {
  if (token < 0 || static_cast<size_t>(token) >= tokens_.size()) return {};
  auto index = static_cast<size_t>(token);
  switch (types_[index]) {
    case kControl:
    case kUnknown:
    case kUnused:
      return {};
    case kByte: {
      unsigned value = 0;
      if (std::sscanf(tokens_[index].c_str(), "<0x%02X>", &value) == 1)
        return std::string(1, static_cast<char>(value));
      return {};
    }
    default:
      return replace_all(tokens_[index], kSpace, " ");
  }
}

std::string Tokenizer::decode(const std::vector<Token>& tokens) const {
  std::string out;
  for (Token t : tokens) out += piece(t);
  if (add_space_prefix_ && !out.empty() && out[0] == ' ') out.erase(0, 1);
  return out;
}

}  // namespace groundline::llm
