// Tokenizers read from a GGUF file's metadata.
//
// - `tokenizer.ggml.model = llama`, SentencePiece style: spaces become
//   U+2581, the text starts as single characters, and the adjacent pair
//   whose joined text is the highest-scoring vocabulary entry is merged
//   until no pair is in the vocabulary; a piece outside it falls back to
//   byte tokens (<0xXX>).
// - `gpt2`, byte-level BPE: the text is first cut by the pre-tokenizer
//   rules that `tokenizer.ggml.pre` names (regular expressions, applied in
//   turn), each piece's bytes are written as printable characters, and
//   pairs are merged in the order of `tokenizer.ggml.merges`.
//
// User-defined tokens found in the text are taken whole before either.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "llm/gguf.h"

struct pcre2_real_code_8;

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
  Tokenizer() = default;
  enum TokenType : int32_t {
    kNormal = 1,
    kUnknown = 2,
    kControl = 3,
    kUserDefined = 4,
    kUnused = 5,
    kByte = 6
  };
  enum class Kind { kSentencePiece, kBytePairs };
  void append_piece(std::string_view piece, std::vector<Token>& out) const;
  void encode_sentencepiece(std::string_view text, bool at_start, std::vector<Token>& out) const;
  void encode_byte_pairs(std::string_view text, std::vector<Token>& out) const;
  // Pieces of `text` by the pre-tokenizer's expressions, in order.
  std::vector<std::string_view> pre_split(std::string_view text) const;
  Status load_byte_pairs(const GgufFile& file);

  Kind kind_ = Kind::kSentencePiece;
  std::vector<std::string> tokens_;
  std::vector<float> scores_;
  std::vector<int32_t> types_;
  std::unordered_map<std::string, Token> ids_;
  Token byte_tokens_[256] = {};
  Token bos_ = -1, eos_ = -1, unknown_ = -1;
  bool add_space_prefix_ = true;
  std::vector<Token> user_defined_;  // longest text first
  // Byte-level BPE.
  std::unordered_map<std::string, int> merge_ranks_;  // "left right" -> rank
  struct FreeExpression {
    void operator()(pcre2_real_code_8* code) const;
  };
  std::vector<std::unique_ptr<pcre2_real_code_8, FreeExpression>> expressions_;
  bool ignore_merges_ = false;  // a piece that is a token is taken whole
};

}  // namespace groundline::llm
