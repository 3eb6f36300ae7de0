// One interface for every text generator groundline can answer with: an
// OpenAI-compatible server (llama.cpp server, vLLM, Ollama, OpenAI) or the
// built-in GGUF engine. The answerer, the agent and synthetic Q&A see only
// this.
//
// Contract: complete() takes a chat (system, user and assistant turns) and
// returns the assistant's reply. It streams the reply through `on_text` as
// it arrives (pieces in order, their concatenation equals the final text)
// and stops early when `on_text` returns false (finish_reason "cancelled").
// With a JSON Schema, a backend that supports_json_schema() returns an
// instance of it (valid by construction or by the server's guarantee); one
// that does not ignores the schema, and the caller validates.
// complete() may be called from several threads at once; a backend that
// cannot run two completions together serialises them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "llm/chat.h"

namespace groundline::llm {

struct CompletionRequest {
  std::vector<ChatMessage> messages;
  int max_tokens = 512;
  double temperature = 0;  // 0 is greedy
  double top_p = 1;
  uint64_t seed = 0;
  std::vector<std::string> stop;  // the reply ends before the first of these
  std::string json_schema;        // JSON text of a schema; empty for free text
  // Streamed reply text; returning false stops the completion.
  std::function<bool(std::string_view piece)> on_text;
};

struct Completion {
  std::string text;
  std::string finish_reason;  // stop | length | cancelled (a server may give others: content_filter)
  int prompt_tokens = 0;
  // Of prompt_tokens, those whose evaluation was reused from a cache (a
  // shared system prompt) rather than prefilled again; 0 when unknown.
  int cached_prompt_tokens = 0;
  int completion_tokens = 0;
  double prompt_ms = 0;    // until the first reply token (prefill, or time to first byte)
  double generate_ms = 0;  // from the first reply token to the end
};

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;
  // What answered, as the answer object reports it: "openai:URL#model", "gguf:PATH".
  virtual std::string id() const = 0;
  virtual bool supports_json_schema() const = 0;
  virtual Result<Completion> complete(const CompletionRequest& request) = 0;
};

// Settings shared by the backends; each ignores what does not apply to it.
struct LanguageModelOptions {
  std::string api_key;  // openai: sent as a bearer token (default: $OPENAI_API_KEY)
  double timeout_s = 60;
  int retries = 2;  // openai: on connection errors, 429 and 5xx, with backoff
  int threads = 0;  // gguf: 0 means all cores
  int context = 4096;
  std::string chat_template;  // gguf: overrides the one the file names
};

// Opens a backend from its spec: "openai:URL[#model]" (URL up to /v1, e.g.
// http://127.0.0.1:8080/v1) or "gguf:PATH". An error names the spec.
Result<std::unique_ptr<LanguageModel>> open_language_model(std::string_view spec,
                                                           const LanguageModelOptions& options = {});

}  // namespace groundline::llm
