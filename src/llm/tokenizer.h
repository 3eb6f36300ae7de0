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
// - `bert`, WordPiece (see wordpiece.h): the text is normalised and cut into
//   words as BERT's uncased basic tokenizer does, and each word is split
//   into the longest vocabulary pieces from the left, or is `[UNK]`. BOS is
//   `tokenizer.ggml.cls_token_id` ([CLS]) and EOS
//   `tokenizer.ggml.seperator_token_id` ([SEP]; llama.cpp's spelling, or
//   `separator_token_id`), falling back to `bos_token_id` / `eos_token_id`.
//
// User-defined tokens found in the text are taken whole before any of them.
//
// A loaded Tokenizer is immutable: its const members are safe to call from
// several threads at once.
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
  // WordPiece: `add_bos` also puts EOS ([SEP]) last, unless the file says
  // `tokenizer.ggml.add_sep_token` (or, without it, `add_eos_token`) false.
  // WordPiece takes any bytes and drops invalid UTF-8.
  std::vector<Token> encode(std::string_view text, bool add_bos) const;
  // The text of tokens; control tokens (BOS, EOS) give nothing. WordPiece
  // is lossy (lowercased, accents gone, `[UNK]` gives nothing): words are
  // joined by single spaces, continuations to their word, and the spaces
  // before . , ! ? and around apostrophes removed as BERT's decoder does.
  std::string decode(const std::vector<Token>& tokens) const;
  // One token's text, for streaming (the leading-space rule not applied;
  // a word-initial WordPiece piece begins with a space).
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
  enum class Kind { kSentencePiece, kBytePairs, kWordPiece };
  void append_piece(std::string_view piece, std::vector<Token>& out) const;
  void encode_sentencepiece(std::string_view text, bool at_start, std::vector<Token>& out) const;
  void encode_byte_pairs(std::string_view text, std::vector<Token>& out) const;
  void encode_word_pieces(std::string_view text, std::vector<Token>& out) const;
  // Pieces of `text` by the pre-tokenizer's expressions, in order; an
  // invalid UTF-8 byte is a piece of its own (the expressions, run without
  // PCRE2's UTF check, must never see one).
  std::vector<std::string_view> pre_split(std::string_view text) const;
  std::vector<std::string_view> split_by_expressions(std::string_view valid_utf8) const;
  Status load_byte_pairs(const GgufFile& file);
  // Special tokens ([CLS], [SEP], [UNK] by name when no id says) and the
  // longest piece; after the vocabulary and the BOS/EOS/UNK ids are read.
  void load_word_pieces(const GgufFile& file);

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
  // WordPiece.
  size_t longest_piece_ = 0;  // bytes
  bool add_sep_ = false;      // EOS last when BOS is added
};

}  // namespace groundline::llm
