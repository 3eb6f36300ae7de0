// Tokenizers read from a GGUF file's metadata. This one is the
// SentencePiece-style tokenizer of `tokenizer.ggml.model = llama`: spaces
// become U+2581, the text starts as single characters, and the adjacent
// pair whose joined text is the highest-scoring vocabulary entry is merged
// until no pair is in the vocabulary; a piece outside it falls back to
// byte tokens (<0xXX>).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "llm/gguf.h"

namespace groundline::llm {

using Token = int32_t;

class Tokenizer {
 public:
  static Result<Tokenizer> from_gguf(const GgufFile& file);

  // Token ids of `text`, with BOS first when `add_bos` (and the model has one).
  std::vector<Token> encode(std::string_view text, bool add_bos) const;
  // The text of tokens; control tokens (BOS, EOS) give nothing.
  std::string decode(const std::vector<Token>& tokens) const;
  // One token's text, for streaming (the leading-space rule not applied).
  std::string piece(Token token) const;

  size_t vocabulary_size() const { return tokens_.size(); }
  Token bos() const { return bos_; }
  Token eos() const { return eos_; }

 private:
  enum TokenType : int32_t {
    kNormal = 1,
    kUnknown = 2,
    kControl = 3,
    kUserDefined = 4,
    kUnused = 5,
    kByte = 6
  };
  void append_piece(std::string_view piece, std::vector<Token>& out) const;

  std::vector<std::string> tokens_;
  std::vector<float> scores_;
  std::vector<int32_t> types_;
  std::unordered_map<std::string, Token> ids_;
  Token byte_tokens_[256];
  Token bos_ = -1, eos_ = -1, unknown_ = -1;
  bool add_space_prefix_ = true;
};

}  // namespace groundline::llm
