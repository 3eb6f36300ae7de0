// The HTTP API's requests and responses as plain values: parsing and
// validating request bodies and query parameters, and building the JSON
// each route returns. Nothing here touches a socket, so every rule is
// tested directly; server.cc only wires these to routes.
//
// Errors follow OpenAI's shape so that OpenAI clients show them as they
// are: {"error": {"message": "field 'question' must be a string",
// "type": "invalid_request_error", "param": "question", "code": null}}.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "answer/answer.h"
#include "kb/document.h"
#include "kb/store.h"

namespace groundline::server {

struct ApiError {
  ApiError(int status, std::string message, std::string type = "invalid_request_error",
           std::string param = "", std::string code = "")
      : status(status),
        message(std::move(message)),
        type(std::move(type)),
        param(std::move(param)),
        code(std::move(code)) {}

  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // the request field at fault ("messages[1].content"); "" for none
  std::string code;   // OpenAI's error code ("invalid_api_key"); "" for none
};

nlohmann::json error_json(const ApiError& error);

// A value or the error to answer the request with.
template <class T>
class ApiResult {
 public:
  ApiResult(T value) : data_(std::move(value)) {}
  ApiResult(ApiError error) : data_(std::move(error)) {}
  bool ok() const { return std::holds_alternative<T>(data_); }
  T& operator*() { return std::get<T>(data_); }
  T* operator->() { return &std::get<T>(data_); }
  const ApiError& error() const { return std::get<ApiError>(data_); }

 private:
  std::variant<T, ApiError> data_;
};

// JSON text for a response body. Strings that are not valid UTF-8 (from a
// document, or echoed from a request) have their bad bytes replaced by
// U+FFFD: the output is always valid JSON.
std::string dump_json(const nlohmann::json& j);

// Filters as a request gives them, either {"product": "pro",
// "category": ["billing", "api"]} or ["product=pro", "category=billing"];
// the same rules as the command line's --filter (see retrieve/search.h).
struct Filters {
  std::vector<std::string> specs;  // "key=value", as the command line takes them
  std::vector<kb::TagFilter> parsed;
};

// POST /v1/answer: {"question": "...", "filters": ..., "k": 5}
struct AnswerRequest {
  std::string question;
  Filters filters;
  int k = 5;  // sources retrieved for the answerer, 1..50
};
ApiResult<AnswerRequest> parse_answer_request(std::string_view body);

// POST /v1/search: {"query": "...", "filters": ..., "k": 10}
struct SearchRequest {
  std::string query;
  Filters filters;
  int k = 10;  // 1..1000
};
ApiResult<SearchRequest> parse_search_request(std::string_view body);

// POST /v1/chat/completions, OpenAI's request. The question is the text of
// the last user message; earlier turns are not used. "filters" and "k" are
// accepted as extensions.
struct ChatRequest {
  std::string question;
  std::string model;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  int max_tokens = 512;        // max_tokens or max_completion_tokens
  double temperature = 0;
  Filters filters;
  int k = 5;
};
ApiResult<ChatRequest> parse_chat_request(std::string_view body);

// What the answerer is asked for; the model and the deadline are the
// server's to add.
answer::AskOptions ask_options(const AnswerRequest& request);
answer::AskOptions ask_options(const ChatRequest& request);

// GET /v1/documents/{id}?version=N&lines=A-B
struct DocumentRequest {
  std::string id;      // the numeric document id, or its path
  int version = 0;     // 0: the current version
  int first_line = 0;  // 0 and 0: every line
  int last_line = 0;
};
// `version` and `lines` are the query parameters when given.
ApiResult<DocumentRequest> parse_document_request(std::string id, std::optional<std::string_view> version,
                                                  std::optional<std::string_view> lines);
// {"doc_id", "path", "title", "version", "line_count", "first_line",
//  "last_line", "lines": [{"number", "text"}]}; the range is cut at the end
// of the document, and one that starts past it is a 400 naming "lines".
ApiResult<nlohmann::json> document_lines_json(const kb::VersionText& text, const DocumentRequest& request);

// What a chat completion reports about itself.
struct CompletionInfo {
  std::string id;  // "chatcmpl-..."
  int64_t created = 0;
  std::string model = "groundline";
};

// A "chat.completion" whose assistant message has the answer's text as its
// content and the whole answer object (answer::to_json) in the extra field
// "groundline".
nlohmann::json chat_completion_json(const answer::Answer& answer, const CompletionInfo& info);

// One "chat.completion.chunk" with `delta`; `finish_reason` "" is null.
nlohmann::json chat_chunk_json(const CompletionInfo& info, nlohmann::json delta,
                               std::string_view finish_reason = "");

// The server-sent events of a streamed answer after the first one (the
// role, see chat_role_event): the text in word-sized content deltas, a
// last chunk with finish_reason "stop" whose delta carries the answer
// object as "groundline", the usage chunk when asked for, and "[DONE]".
// Each event is "data: ...\n\n".
std::string chat_role_event(const CompletionInfo& info);
std::vector<std::string> chat_answer_events(const answer::Answer& answer, const CompletionInfo& info,
                                            bool include_usage);
std::string sse_event(const nlohmann::json& data);

// Splits text into pieces that each start with the whitespace before a
// word; their concatenation is the text.
std::vector<std::string_view> stream_pieces(std::string_view text);

// GET /v1/models: one model, "groundline".
nlohmann::json models_json(int64_t created);

}  // namespace groundline::server
