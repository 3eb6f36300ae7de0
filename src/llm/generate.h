// Text generation with a loaded model: the prompt is prefilled (only the
// part after what the KV cache already holds, so a shared system prompt is
// evaluated once), then tokens are sampled one at a time until the end of
// text, a stop sequence, the token limit, a full context or cancellation.
// Pieces stream out as they are decided; text that might be the start of a
// stop sequence is held back until it is not.
//
// With a JSON Schema (json_schema.h), every token is chosen among those that
// keep the text a prefix of a valid instance (json_token_filter.h), the end
// of text is allowed only once the instance is complete, and generation
// stops with kEndOfText as soon as nothing but whitespace may follow. Text
// that stopped with kEndOfText then parses and validates; any other stop
// (length, context, cancellation, a stop sequence) leaves a valid prefix.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "llm/model.h"
#include "llm/sampler.h"
#include "llm/tokenizer.h"

namespace groundline::llm {

class JsonSchema;  // json_schema.h
class TokenTrie;   // json_token_filter.h

struct GenerateOptions {
  int max_tokens = 256;
  std::vector<std::string> stop;  // the text ends before the first of these
  SamplingOptions sampling;
  bool add_bos = true;
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(std::string_view piece)> on_text;  // streamed text, in order
  // Constrained output (borrowed): the text must be an instance of this
  // schema. `token_trie` is the tokenizer's, built once and shared between
  // generations; without one, each generation builds its own.
  const JsonSchema* json_schema = nullptr;
  const TokenTrie* token_trie = nullptr;
};

struct Generation {
  std::string text;
  std::vector<Token> tokens;  // generated
  int prompt_tokens = 0;
  int prefilled_tokens = 0;  // of the prompt, those not already in the cache
  enum class Stop { kEndOfText, kStopSequence, kLength, kContextFull, kCancelled } stop = Stop::kLength;
  double prefill_ms = 0, decode_ms = 0;
};

const char* stop_name(Generation::Stop stop);

Result<Generation> generate(const Model& model, const Tokenizer& tokenizer, KvCache& cache,
                            std::string_view prompt, const GenerateOptions& options);

}  // namespace groundline::llm
