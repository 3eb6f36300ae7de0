#include "llm/json_token_filter.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace groundline::llm {

namespace {

// Code points of `piece` as the inside of a JSON string that it does not
// close (no quote, backslash or control character, whole UTF-8), else -1;
// decided by the matcher itself so that the two always agree.
int64_t plain_text_length(const JsonSchema& any_string, const std::string& piece) {
  JsonMatcher m(any_string);
  if (!m.advance('"') || !m.advance(piece)) return -1;
  int64_t room = m.free_text_room();
  return room < 0 ? -1 : int64_t{json_schema::kUnbounded} - room;
}

}  // namespace

TokenTrie::TokenTrie(const Tokenizer& tokenizer)
    : vocabulary_size_(tokenizer.vocabulary_size()), eos_(tokenizer.eos()) {
  const JsonSchema any_string = JsonSchema::compile(nlohmann::json{{"type", "string"}}).value();
  std::vector<std::pair<std::string, Token>> pieces, special;
  text_length_.assign(vocabulary_size_, kNotText);
  for (size_t t = 0; t < vocabulary_size_; ++t) {
    std::string piece = tokenizer.piece(static_cast<Token>(t));
    if (piece.empty() || piece.size() > 0xFFFF) continue;
    int64_t length = plain_text_length(any_string, piece);
    if (length >= 0)
      text_length_[t] = static_cast<uint32_t>(length);
    else
      special.emplace_back(piece, static_cast<Token>(t));
    pieces.emplace_back(std::move(piece), static_cast<Token>(t));
  }
  all_ = build(std::move(pieces));
  special_ = build(std::move(special));
}

TokenTrie::Trie TokenTrie::build(std::vector<std::pair<std::string, Token>> pieces) {
  Trie trie;
  std::sort(pieces.begin(), pieces.end());
  std::vector<uint32_t> path;  // nodes from the root to the previous piece's end
  auto close_to = [&](size_t depth) {
    for (; path.size() > depth; path.pop_back())
      trie.nodes[path.back()].subtree_end = static_cast<uint32_t>(trie.nodes.size());
  };
  std::string_view previous;
  for (const auto& [piece, token] : pieces) {
    size_t shared = 0;
    while (shared < previous.size() && shared < piece.size() && previous[shared] == piece[shared]) ++shared;
    close_to(shared);
    for (size_t k = shared; k < piece.size(); ++k) {
      auto here = static_cast<uint32_t>(trie.tokens.size());
      trie.nodes.push_back({0, here, here, static_cast<uint16_t>(k + 1), static_cast<uint8_t>(piece[k])});
      path.push_back(static_cast<uint32_t>(trie.nodes.size() - 1));
    }
    trie.tokens.push_back(token);
    trie.nodes[path.back()].tokens_end = static_cast<uint32_t>(trie.tokens.size());
    trie.max_depth = std::max(trie.max_depth, piece.size());
    previous = piece;
  }
  close_to(0);
  return trie;
}

size_t JsonTokenFilter::allowed_tokens(const JsonMatcher& matcher, std::vector<uint8_t>& allowed) {
  const TokenTrie& trie = *trie_;
  allowed.assign(trie.vocabulary_size_, 0);
  if (matcher.dead()) return 0;
  size_t count = 0;
  int64_t room = matcher.free_text_room();
  if (room >= 0) {
    for (size_t t = 0; t < trie.vocabulary_size_; ++t)
      if (trie.text_length_[t] <= room) allowed[t] = 1, ++count;
  }
  count += walk(room >= 0 ? trie.special_ : trie.all_, matcher, allowed);
  if (trie.eos_ >= 0 && static_cast<size_t>(trie.eos_) < allowed.size() && matcher.complete()) {
    count += allowed[static_cast<size_t>(trie.eos_)] ? 0 : 1;
    allowed[static_cast<size_t>(trie.eos_)] = 1;
  }
  return count;
}

size_t JsonTokenFilter::walk(const TokenTrie::Trie& trie, const JsonMatcher& matcher,
                             std::vector<uint8_t>& allowed) {
  if (states_.size() < trie.max_depth + 1) states_.resize(trie.max_depth + 1, matcher);
  states_[0] = matcher;
  size_t count = 0;
  for (size_t i = 0; i < trie.nodes.size();) {
    const TokenTrie::Node& node = trie.nodes[i];
    JsonMatcher& state = states_[node.depth];
    state = states_[node.depth - 1];
    if (!state.advance(node.byte)) {
      i = node.subtree_end;
      continue;
    }
    for (uint32_t k = node.tokens_begin; k < node.tokens_end; ++k)
      allowed[static_cast<size_t>(trie.tokens[k])] = 1;
    count += node.tokens_end - node.tokens_begin;
    ++i;
  }
  return count;
}

JsonConstraint::JsonConstraint(const JsonSchema& schema, const TokenTrie& trie)
    : matcher_(schema), filter_(trie) {}

Status JsonConstraint::mask(std::vector<float>& logits) {
  if (filter_.allowed_tokens(matcher_, allowed_) == 0)
    return make_error(
        "no token of the vocabulary can continue the JSON (the schema needs text it cannot spell)");
  size_t n = std::min(logits.size(), allowed_.size());
  for (size_t t = 0; t < n; ++t)
    if (!allowed_[t]) logits[t] = -std::numeric_limits<float>::infinity();
  for (size_t t = n; t < logits.size(); ++t) logits[t] = -std::numeric_limits<float>::infinity();
  return {};
}

Status JsonConstraint::accept(std::string_view piece) {
  if (!matcher_.advance(piece)) return make_error("a token outside the JSON schema was chosen");
  return {};
}

}  // namespace groundline::llm
