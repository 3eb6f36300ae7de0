#include "llm/generate.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "llm/json_token_filter.h"

namespace groundline::llm {

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// The length of the longest end of `text` that begins some stop sequence:
// that much must wait for the next piece.
size_t held_back(std::string_view text, const std::vector<std::string>& stops) {
  size_t longest = 0;
  for (const auto& stop : stops)
    for (size_t n = std::min(stop.size() - 1, text.size()); n > longest; --n)
      if (text.substr(text.size() - n) == std::string_view(stop).substr(0, n)) {
        longest = n;
        break;
      }
  return longest;
}

}  // namespace

const char* stop_name(Generation::Stop stop) {
  switch (stop) {
    case Generation::Stop::kEndOfText:
      return "end";
    case Generation::Stop::kStopSequence:
      return "stop";
    case Generation::Stop::kLength:
      return "length";
    case Generation::Stop::kContextFull:
      return "context";
    case Generation::Stop::kCancelled:
      return "cancelled";
  }
  return "";
}

Result<Generation> generate(const Model& model, const Tokenizer& tokenizer, KvCache& cache,
                            std::string_view prompt, const GenerateOptions& options) {
  for (const auto& stop : options.stop)
    if (stop.empty()) return make_error("a stop sequence is empty");
  Generation out;
  std::vector<Token> history = tokenizer.encode(prompt, options.add_bos);
  if (history.empty()) return make_error("the prompt has no tokens");
  out.prompt_tokens = static_cast<int>(history.size());
  if (out.prompt_tokens >= cache.capacity())
    return make_error("the prompt (" + std::to_string(out.prompt_tokens) +
                      " tokens) does not fit the context of " + std::to_string(cache.capacity()));

  // Keep the cached prefix the prompt shares; the last prompt token is
  // always evaluated again, for its logits.
  const auto& cached = cache.tokens();
  size_t shared = 0;
  while (shared < cached.size() && shared + 1 < history.size() && cached[shared] == history[shared]) ++shared;
  cache.truncate(static_cast<int>(shared));
  std::vector<Token> rest(history.begin() + static_cast<long>(shared), history.end());
  out.prefilled_tokens = static_cast<int>(rest.size());
  auto start = std::chrono::steady_clock::now();
  GL_ASSIGN_OR_RETURN(auto logits, model.forward(rest, cache));
  out.prefill_ms = ms_since(start);

  Sampler sampler(options.sampling);
  std::optional<TokenTrie> own_trie;
  std::optional<JsonConstraint> constraint;
  if (options.json_schema)
    constraint.emplace(*options.json_schema,
                       options.token_trie ? *options.token_trie : own_trie.emplace(tokenizer));
  std::string pending;  // decided text not yet streamed
  auto emit = [&](size_t keep) {
    if (pending.size() <= keep) return;
    std::string_view ready(pending.data(), pending.size() - keep);
    if (options.on_text) options.on_text(ready);
    out.text += ready;
    pending.erase(0, ready.size());
  };
  start = std::chrono::steady_clock::now();
  for (;;) {
    if (options.cancel && options.cancel->load()) {
      out.stop = Generation::Stop::kCancelled;
      break;
    }
    if (static_cast<int>(out.tokens.size()) >= options.max_tokens) {
      out.stop = Generation::Stop::kLength;
      break;
    }
    if (constraint) GL_TRY(constraint->mask(logits));
    Token next = sampler.sample(std::move(logits), history);
    if (next == tokenizer.eos()) {
      out.stop = Generation::Stop::kEndOfText;
      break;
    }
    out.tokens.push_back(next);
    history.push_back(next);
    const std::string piece = tokenizer.piece(next);
    if (constraint) GL_TRY(constraint->accept(piece));
    pending += piece;
    size_t cut = std::string::npos;
    for (const auto& stop : options.stop) cut = std::min(cut, pending.find(stop));
    if (cut != std::string::npos) {
      pending.resize(cut);
      out.stop = Generation::Stop::kStopSequence;
      break;
    }
    emit(held_back(pending, options.stop));
    if (constraint && constraint->finished()) {
      out.stop = Generation::Stop::kEndOfText;
      break;
    }
    if (cache.size() >= cache.capacity()) {
      out.stop = Generation::Stop::kContextFull;
      break;
    }
    GL_ASSIGN_OR_RETURN(logits, model.forward({next}, cache));
  }
  emit(0);
  out.decode_ms = ms_since(start);
  return out;
}

}  // namespace groundline::llm
