// A LanguageModel that asks an OpenAI-compatible server (llama.cpp server,
// vLLM, Ollama, OpenAI, `groundline serve`) over HTTP:
// POST {base_url}/chat/completions.
//
// The request carries model, messages, max_tokens, temperature, top_p,
// seed and stop (at most the first 4 stop sequences, OpenAI's limit; all
// of them are also applied to the text received, so the reply ends before
// the first one whatever the server does). A JSON Schema is sent as
// `response_format: {type: json_schema, json_schema: {name, schema,
// strict: true}}`; the server is trusted to follow it and the caller
// validates. The reply is streamed (`stream: true`, server-sent events)
// unless OpenAiClientOptions::stream is false; a server that answers a
// streamed request with one JSON document is understood as well.
//
// Failures are errors that name the URL and, where there was a reply, the
// HTTP status and the server's own message. Connection errors, 429 and 5xx
// are retried with exponential backoff (a Retry-After in seconds is
// honoured, and one longer than max_retry_after_s is not waited for),
// but only while nothing has been streamed to the caller; other 4xx and a
// reply that did not come within the timeout are not retried. A malformed
// reply (bad JSON, a broken event stream, a stream cut before its end, one
// larger than max_response_bytes) is an error, never a crash.
//
// prompt_ms is the time from the call (retries included) to the first
// byte of reply text (the whole wait when the reply is not streamed) and
// generate_ms the rest. finish_reason is "cancelled" when on_text returned
// false, "stop" when a stop sequence ended the text here or the server gave
// none, else the server's own (stop, length, content_filter, ...). Token
// counts come from the server's `usage` (cached_prompt_tokens from
// usage.prompt_tokens_details.cached_tokens); without one (a stream
// stopped early, a server that sends none) completion_tokens counts the
// streamed text pieces, which servers send one per token.
//
// complete() is safe to call from several threads at once: each call uses
// its own connection and the client's settings never change after open().
// While a call runs, SIGPIPE is blocked on its thread (a server hanging up
// is an error, not the end of the process), on_text included.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "llm/language_model.h"

namespace groundline::llm {

struct OpenAiClientOptions {
  std::string base_url;           // up to /v1: http://127.0.0.1:8080/v1 (https:// too)
  std::string model;              // empty: the field is left out (llama.cpp serves one model)
  std::string api_key;            // sent as `Authorization: Bearer`; empty: no header
  double timeout_s = 60;          // connecting, and each wait for more of the reply
  int retries = 2;                // attempts after the first
  double retry_delay_s = 0.5;     // before the first retry, doubled for each next one
  double max_retry_after_s = 30;  // a Retry-After asking to wait longer is not retried
  bool stream = true;
  size_t max_response_bytes = size_t{64} << 20;
};

class OpenAiClient : public LanguageModel {
 public:
  // Checks the URL (http:// or https://, a host); makes no request.
  static Result<std::unique_ptr<OpenAiClient>> open(const OpenAiClientOptions& options);

  std::string id() const override;  // openai:URL#model
  bool supports_json_schema() const override { return true; }
  Result<Completion> complete(const CompletionRequest& request) override;

  // The body complete() posts for `request` (for tests and logging).
  Result<std::string> request_body(const CompletionRequest& request) const;

 private:
  explicit OpenAiClient(OpenAiClientOptions options) : options_(std::move(options)) {}
  struct Attempt;
  OpenAiClientOptions options_;
  std::string origin_;  // scheme://host[:port]
  std::string path_;    // the base URL's path + /chat/completions
  std::string url_;     // origin_ + path_, for messages
};

}  // namespace groundline::llm
