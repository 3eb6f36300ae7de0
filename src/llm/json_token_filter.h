// Token masking for JSON-Schema-constrained decoding: which tokens of a
// vocabulary may come next, given the JsonMatcher of the text so far.
//
// TokenTrie lays the tokenizer's pieces (Tokenizer::piece: the bytes a
// token adds to the text) out as a byte trie in preorder. It is built once
// per tokenizer and is immutable, so one can be shared by any number of
// generations and threads.
//
// JsonTokenFilter walks the trie with one copy of the matcher per depth:
// a node costs one copy and one byte, and a byte the matcher refuses skips
// the node's whole subtree, so every token that shares a refused prefix is
// rejected at once. Inside free text (a string with no pattern or enum),
// where nearly every token fits, tokens that are plain string text are
// decided by their length alone and only the others (quotes, backslashes,
// control characters, split UTF-8) are walked. Tokens with no text
// (control tokens) are never allowed, except end-of-text, which is allowed
// exactly when the text is a complete instance. A filter keeps scratch
// state: one per generation (not thread-safe).
//
// JsonConstraint ties the two to a generation: mask the logits, take the
// sampled token, ask whether the instance is finished.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "llm/json_matcher.h"
#include "llm/tokenizer.h"

namespace groundline::llm {

class TokenTrie {
 public:
  explicit TokenTrie(const Tokenizer& tokenizer);

  size_t vocabulary_size() const { return vocabulary_size_; }
  Token eos() const { return eos_; }
  size_t node_count() const { return all_.nodes.size(); }

 private:
  friend class JsonTokenFilter;
  struct Node {
    uint32_t subtree_end;               // index after the node's last descendant
    uint32_t tokens_begin, tokens_end;  // in `tokens`: those whose piece ends here
    uint16_t depth;                     // bytes from the root, 1 for a first byte
    uint8_t byte;
  };
  struct Trie {
    std::vector<Node> nodes;  // preorder
    std::vector<Token> tokens;
    size_t max_depth = 0;
  };
  static Trie build(std::vector<std::pair<std::string, Token>> pieces);

  static constexpr uint32_t kNotText = 0xFFFFFFFFu;
  Trie all_;                           // every token with a piece
  Trie special_;                       // those whose piece is not plain string text
  std::vector<uint32_t> text_length_;  // code points of a plain-text piece, else kNotText
  size_t vocabulary_size_ = 0;
  Token eos_ = -1;
};

class JsonTokenFilter {
 public:
  // Borrows the trie, which must outlive the filter.
  explicit JsonTokenFilter(const TokenTrie& trie) : trie_(&trie) {}

  // allowed[t] is 1 for each token that may come next, 0 otherwise
  // (resized to the vocabulary). Returns how many are allowed.
  size_t allowed_tokens(const JsonMatcher& matcher, std::vector<uint8_t>& allowed);

 private:
  size_t walk(const TokenTrie::Trie& trie, const JsonMatcher& matcher, std::vector<uint8_t>& allowed);

  const TokenTrie* trie_;
  std::vector<JsonMatcher> states_;  // by trie depth
};

class JsonConstraint {
 public:
  // Borrows both, which must outlive it.
  JsonConstraint(const JsonSchema& schema, const TokenTrie& trie);

  // Sets the logits of tokens that may not come next to -infinity; an
  // error when no token of the vocabulary can continue the instance.
  Status mask(std::vector<float>& logits);
  // Takes the text of the token chosen (one that mask() allowed).
  Status accept(std::string_view piece);
  // The text is a complete instance and nothing but whitespace may follow.
  bool finished() const { return matcher_.finished(); }
  const JsonMatcher& matcher() const { return matcher_; }

 private:
  JsonMatcher matcher_;
  JsonTokenFilter filter_;
  std::vector<uint8_t> allowed_;
};

}  // namespace groundline::llm
