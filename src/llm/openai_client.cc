#include "llm/openai_client.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <utility>
#include <variant>

#include "llm/event_stream.h"

namespace groundline::llm {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// OpenAI refuses more than this many stop sequences; the rest are applied
// to the text received.
constexpr size_t kServerStops = 4;
// An error reply is read this far for its message.
constexpr size_t kErrorBodyLimit = 64 << 10;

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

std::string duration_text(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", s);
  return text;
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The media type of a Content-Type value, lowercased, without parameters.
std::string media_type(const std::string& content_type) {
  std::string type = lowercase(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

// The start of a body for an error message: at most 200 bytes, control
// characters and invalid bytes shown as '?' so the message stays one line.
std::string snippet(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  if (body.size() > 200) out += "...";
  return out.empty() ? "(empty)" : out;
}

// The message a server put in an error reply: OpenAI's {"error": {"message"}},
// {"error": "text"} (llama.cpp's older form), {"message"} or {"detail"}
// (FastAPI), else the start of the body.
std::string server_message(std::string_view body) {
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object()) {
    if (auto e = parsed.find("error"); e != parsed.end()) {
      if (e->is_string()) return e->get<std::string>();
      if (e->is_object())
        if (auto m = e->find("message"); m != e->end() && m->is_string()) return m->get<std::string>();
    }
    for (const char* key : {"message", "detail"})
      if (auto m = parsed.find(key); m != parsed.end() && m->is_string()) return m->get<std::string>();
  }
  return snippet(body);
}

int integer_field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int>() : 0;
}

// A name OpenAI accepts for a response format: ^[a-zA-Z0-9_-]{1,64}$.
std::string schema_name(const json& schema) {
  if (schema.is_object())
    if (auto title = schema.find("title"); title != schema.end() && title->is_string()) {
      const std::string name = title->get<std::string>();
      if (!name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
          }))
        return name;
    }
  return "response";
}

// Text as it arrives, cut before the first stop sequence. Text that might
// be the start of one is held back until the next piece tells.
class StopFilter {
 public:
  explicit StopFilter(const std::vector<std::string>& stops) : stops_(stops) {}

  // The part of everything pushed so far that is now certain, not yet returned.
  std::string push(std::string_view text) {
    pending_ += text;
    size_t cut = std::string::npos;
    for (const auto& stop : stops_) cut = std::min(cut, pending_.find(stop));
    if (cut != std::string::npos) {
      stopped_ = true;
      pending_.resize(cut);
      return std::exchange(pending_, {});
    }
    size_t keep = 0;
    for (const auto& stop : stops_)
      for (size_t n = std::min(stop.size() - 1, pending_.size()); n > keep; --n)
        if (std::string_view(pending_).substr(pending_.size() - n) == std::string_view(stop).substr(0, n)) {
          keep = n;
          break;
        }
    std::string ready = pending_.substr(0, pending_.size() - keep);
    pending_.erase(0, ready.size());
    return ready;
  }
  std::string flush() { return std::exchange(pending_, {}); }
  bool stopped() const { return stopped_; }

 private:
  const std::vector<std::string>& stops_;
  std::string pending_;
  bool stopped_ = false;
};

// Neither cpp-httplib nor OpenSSL writes with MSG_NOSIGNAL, so a server
// that hangs up while the request is being sent can raise SIGPIPE, whose
// default action ends the process (httplib peeks at the socket before each
// write, which narrows that to a race on plain HTTP; httplib::Server
// ignores SIGPIPE for the whole process, but a client-only process such as
// `groundline ask` does not). The signal is blocked on this thread for the
// exchange, and one raised meanwhile is taken off the queue before the old
// mask comes back; the failed write is then an ordinary error.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocked() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{};
      sigtimedwait(&pipe_, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_, old_;
  bool was_pending_ = false;
};

}  // namespace

// One HTTP exchange: the reply read as it arrives, into a Completion or a
// failure that says whether another attempt may help.
struct OpenAiClient::Attempt {
  Attempt(const OpenAiClient& client, const CompletionRequest& request, Clock::time_point start)
      : client(client), request(request), start(start), stops(request.stop) {}

  struct Failure {
    std::string message;
    bool retryable = false;
    double retry_after_s = -1;  // from Retry-After; -1 when none
  };

  // The completion, or a failure.
  std::variant<Completion, Failure> run(const std::string& body);

  // Reading the reply.
  bool on_headers(const httplib::Response& response);
  bool on_bytes(const char* data, size_t size);
  bool on_event(const ServerSentEvent& event);
  bool on_chunk(const json& chunk);
  bool on_text(std::string_view piece);
  bool deliver(std::string_view ready);
  void read_usage(const json& reply);
  bool fail(std::string message) {
    failure = message;
    return false;
  }
  Failure finish_json();
  Completion completion() const;

  const OpenAiClient& client;
  const CompletionRequest& request;
  const Clock::time_point start;
  Clock::time_point last_byte = Clock::now();
  std::optional<Clock::time_point> first_text;
  StopFilter stops;
  EventStreamParser events{[this](const ServerSentEvent& event) { return on_event(event); }};

  int status = 0;  // 0 until the headers came
  std::string content_type;
  double retry_after_s = -1;
  bool streamed = false;               // the reply is an event stream
  std::string body;                    // a JSON or error reply
  size_t received = 0;                 // bytes of the body
  std::optional<std::string> failure;  // a reply that cannot be used (not retried)

  std::string text;
  std::string finish_reason;
  bool done = false;       // [DONE] came
  bool cancelled = false;  // on_text said stop
  bool delivered = false;  // on_text has seen some text: another attempt would repeat it
  int pieces = 0;
  int prompt_tokens = 0, cached_tokens = 0, completion_tokens = 0;
  bool has_usage = false;
};

std::variant<Completion, OpenAiClient::Attempt::Failure> OpenAiClient::Attempt::run(const std::string& body) {
  const OpenAiClientOptions& options = client.options_;
  httplib::Client http(client.origin_);
  if (!http.is_valid()) return Failure{client.url_ + ": cannot make a client for this URL"};
  const auto timeout = std::chrono::microseconds(static_cast<int64_t>(options.timeout_s * 1e6));
  const auto seconds = static_cast<time_t>(timeout.count() / 1000000);
  const auto micros = static_cast<time_t>(timeout.count() % 1000000);
  http.set_connection_timeout(seconds, micros);
  http.set_read_timeout(seconds, micros);
  http.set_write_timeout(seconds, micros);
  if (!options.api_key.empty()) http.set_bearer_token_auth(options.api_key);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  http.enable_server_certificate_verification(true);
#endif

  httplib::Request post;
  post.method = "POST";
  post.path = client.path_;
  post.headers = {{"Content-Type", "application/json"},
                  {"Accept", options.stream ? "text/event-stream" : "application/json"}};
  post.body = body;
  post.response_handler = [this](const httplib::Response& response) { return on_headers(response); };
  post.content_receiver = [this](const char* data, size_t size, uint64_t, uint64_t) {
    return on_bytes(data, size);
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  bool read_all;
  {
    SigpipeBlocked blocked;
    read_all = http.send(post, response, error);
  }
  const std::string& url = client.url_;
  // httplib reports a read timeout as a plain read error: one that came
  // after waiting about as long as the timeout is taken for one.
  const bool read_timed_out =
      error == httplib::Error::Read && ms_between(last_byte, Clock::now()) >= 0.9 * options.timeout_s * 1000;

  if (status == 0) {
    // No reply at all. A wait as long as the timeout is the server being
    // slow, which another attempt would only repeat; anything else is a
    // connection that failed and may work the next time.
    const bool timed_out = error == httplib::Error::ConnectionTimeout || read_timed_out;
    if (timed_out) return Failure{url + ": no reply within " + duration_text(options.timeout_s)};
    const bool certificate =
        error == httplib::Error::SSLServerVerification || error == httplib::Error::SSLLoadingCerts;
    return Failure{url + ": " + (error == httplib::Error::Connection ? "cannot connect" : "request failed") +
                       " (" + httplib::to_string(error) + ")",
                   !certificate};
  }
  if (status < 200 || status > 299) {
    std::string message = url + ": HTTP " + std::to_string(status) + ": " + server_message(this->body);
    const bool retryable = status == 429 || status >= 500;
    if (retryable && retry_after_s > options.max_retry_after_s)
      return Failure{message + " (the server asks to wait " + duration_text(retry_after_s) + ")"};
    return Failure{std::move(message), retryable, retry_after_s};
  }
  if (failure) return Failure{url + ": " + *failure};
  if (cancelled || stops.stopped()) return completion();
  if (!read_all) {
    // The reply broke off: the same judgement as for no reply, except that
    // text already handed to the caller cannot be taken back.
    if (read_timed_out)
      return Failure{url + ": the reply stalled for " + duration_text(options.timeout_s) + " after " +
                     std::to_string(received) + " bytes"};
    return Failure{url + ": the reply broke off after " + std::to_string(received) + " bytes (" +
                       httplib::to_string(error) + ")",
                   !delivered};
  }
  if (!streamed) {
    Failure failed = finish_json();
    if (!failed.message.empty()) return failed;
    if (cancelled || stops.stopped()) return completion();
  } else {
    if (!events.finish() && failure) return Failure{url + ": " + *failure};
    if (cancelled || stops.stopped()) return completion();
    if (!done && finish_reason.empty())
      return Failure{url + ": the event stream ended before its end ([DONE] or a finish_reason) after " +
                         std::to_string(received) + " bytes",
                     !delivered};
  }
  deliver(stops.flush());
  return completion();
}

bool OpenAiClient::Attempt::on_headers(const httplib::Response& response) {
  status = response.status;
  content_type = response.get_header_value("Content-Type");
  streamed = status >= 200 && status <= 299 && media_type(content_type) == "text/event-stream";
  const std::string wait = response.get_header_value("Retry-After");
  if (!wait.empty() && std::all_of(wait.begin(), wait.end(), [](char c) { return c >= '0' && c <= '9'; }))
    retry_after_s = wait.size() > 9 ? 1e9 : std::stod(wait);
  return true;
}

bool OpenAiClient::Attempt::on_bytes(const char* data, size_t size) {
  last_byte = Clock::now();
  received += size;
  if (received > client.options_.max_response_bytes)
    return fail("the reply is larger than " + std::to_string(client.options_.max_response_bytes) + " bytes");
  if (status < 200 || status > 299) {
    // Enough of an error reply for its message.
    body.append(data, std::min(size, kErrorBodyLimit - std::min(kErrorBodyLimit, body.size())));
    return body.size() < kErrorBodyLimit;
  }
  if (streamed) return events.feed(std::string_view(data, size));
  body.append(data, size);
  return true;
}

bool OpenAiClient::Attempt::on_event(const ServerSentEvent& event) {
  if (done) return true;  // nothing after [DONE] counts
  if (event.data == "[DONE]") {
    done = true;
    return true;
  }
  if (event.type == "error") return fail("the server reported an error: " + server_message(event.data));
  const json chunk = json::parse(event.data, nullptr, false);
  if (chunk.is_discarded() || !chunk.is_object())
    return fail("an event of the stream is not a JSON object: " + snippet(event.data));
  return on_chunk(chunk);
}

// One chunk of a streamed reply: {"choices": [{"delta": {"content"},
// "finish_reason"}], "usage"}; a chunk with "error" ends the stream.
bool OpenAiClient::Attempt::on_chunk(const json& chunk) {
  if (auto e = chunk.find("error"); e != chunk.end() && !e->is_null())
    return fail("the server reported an error: " + server_message(chunk.dump()));
  read_usage(chunk);
  auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty()) return true;
  const json& choice = choices->front();
  if (!choice.is_object()) return fail("a streamed choice is not an object: " + snippet(chunk.dump()));
  if (auto reason = choice.find("finish_reason"); reason != choice.end() && reason->is_string())
    finish_reason = reason->get<std::string>();
  auto delta = choice.find("delta");
  if (delta == choice.end() || !delta->is_object()) return true;
  auto content = delta->find("content");
  if (content == delta->end() || content->is_null()) return true;
  if (!content->is_string())
    return fail("a streamed delta's content is not a string: " + snippet(chunk.dump()));
  ++pieces;
  return on_text(content->get_ref<const std::string&>());
}

bool OpenAiClient::Attempt::on_text(std::string_view piece) {
  if (piece.empty()) return true;
  if (!first_text) first_text = Clock::now();
  return deliver(stops.push(piece)) && !stops.stopped();
}

bool OpenAiClient::Attempt::deliver(std::string_view ready) {
  if (ready.empty()) return true;
  text += ready;
  if (!request.on_text) return true;
  delivered = true;
  if (request.on_text(ready)) return true;
  cancelled = true;
  return false;
}

void OpenAiClient::Attempt::read_usage(const json& reply) {
  auto usage = reply.find("usage");
  if (usage == reply.end() || !usage->is_object()) return;
  has_usage = true;
  prompt_tokens = integer_field(*usage, "prompt_tokens");
  completion_tokens = integer_field(*usage, "completion_tokens");
  if (auto details = usage->find("prompt_tokens_details"); details != usage->end() && details->is_object())
    cached_tokens = integer_field(*details, "cached_tokens");
}

// A reply that is not an event stream: one JSON document, or (from a server
// that streamed but labelled it otherwise) an event stream after all.
OpenAiClient::Attempt::Failure OpenAiClient::Attempt::finish_json() {
  const std::string& url = client.url_;
  const std::string_view start(body.data(), std::min<size_t>(body.size(), 5));
  if (start == "data:") {
    streamed = true;
    if ((!events.feed(body) || !events.finish()) && failure) return Failure{url + ": " + *failure};
    if (!done && finish_reason.empty() && !cancelled && !stops.stopped())
      return Failure{url + ": the event stream ended before its end ([DONE] or a finish_reason)"};
    return {};
  }
  const json reply = json::parse(body, nullptr, false);
  if (reply.is_discarded() || !reply.is_object())
    return Failure{url + ": the reply is not a JSON object (Content-Type: " +
                   (content_type.empty() ? "none" : content_type) + "): " + snippet(body)};
  if (auto e = reply.find("error"); e != reply.end() && !e->is_null())
    return Failure{url + ": the server reported an error: " + server_message(body)};
  read_usage(reply);
  auto choices = reply.find("choices");
  if (choices == reply.end() || !choices->is_array() || choices->empty() || !choices->front().is_object())
    return Failure{url + ": the reply has no choices: " + snippet(body)};
  const json& choice = choices->front();
  if (auto reason = choice.find("finish_reason"); reason != choice.end() && reason->is_string())
    finish_reason = reason->get<std::string>();
  auto message = choice.find("message");
  if (message == choice.end() || !message->is_object())
    return Failure{url + ": the reply's choice has no message: " + snippet(body)};
  auto content = message->find("content");
  if (content == message->end() || content->is_null()) {
    if (auto refusal = message->find("refusal"); refusal != message->end() && refusal->is_string())
      return Failure{url + ": the model refused: " + refusal->get<std::string>()};
    return {};  // an empty reply
  }
  if (!content->is_string()) return Failure{url + ": the reply's content is not a string: " + snippet(body)};
  on_text(content->get_ref<const std::string&>());
  return {};
}

Completion OpenAiClient::Attempt::completion() const {
  Completion out;
  out.text = text;
  if (cancelled)
    out.finish_reason = "cancelled";
  else if (stops.stopped() || finish_reason.empty())
    out.finish_reason = "stop";
  else
    out.finish_reason = finish_reason;
  // Usage counts the whole reply; a stream stopped here early has none.
  const bool whole = !cancelled && !stops.stopped();
  out.prompt_tokens = prompt_tokens;
  out.cached_prompt_tokens = cached_tokens;
  out.completion_tokens = streamed && !(has_usage && whole) ? pieces : completion_tokens;
  const auto end = Clock::now();
  const auto first = first_text.value_or(end);
  out.prompt_ms = ms_between(start, first);
  out.generate_ms = ms_between(first, end);
  return out;
}

Result<std::unique_ptr<OpenAiClient>> OpenAiClient::open(const OpenAiClientOptions& options) {
  std::string base = options.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string where = "openai: base URL '" + options.base_url + "'";
  const size_t scheme_end = base.find("://");
  const std::string scheme = lowercase(base.substr(0, scheme_end));
  if (scheme_end == std::string::npos || (scheme != "http" && scheme != "https"))
    return make_error(where + ": must start with http:// or https://");
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (scheme == "https")
    return make_error(where + ": https needs cpp-httplib built with OpenSSL (CPPHTTPLIB_OPENSSL_SUPPORT)");
#endif
  for (char c : base)
    if (static_cast<unsigned char>(c) <= 0x20 || c == '?' || c == '#' || c == 0x7F)
      return make_error(where + ": has a space, control character, query or fragment");
  const size_t host_begin = scheme_end + 3;
  const size_t path_begin = std::min(base.find('/', host_begin), base.size());
  if (path_begin == host_begin || base[host_begin] == ':') return make_error(where + ": has no host");
  if (options.timeout_s <= 0 || !std::isfinite(options.timeout_s))
    return make_error("openai: the timeout must be a positive number of seconds");
  if (options.retries < 0) return make_error("openai: retries must not be negative");
  std::unique_ptr<OpenAiClient> client(new OpenAiClient(options));
  client->options_.base_url = base;
  client->origin_ = scheme + base.substr(scheme_end, path_begin - scheme_end);
  client->path_ = base.substr(path_begin) + "/chat/completions";
  client->url_ = client->origin_ + client->path_;
  if (!httplib::Client(client->origin_).is_valid())
    return make_error(where + ": not a URL cpp-httplib accepts");
  return client;
}

std::string OpenAiClient::id() const {
  return "openai:" + options_.base_url + (options_.model.empty() ? "" : "#" + options_.model);
}

Result<std::string> OpenAiClient::request_body(const CompletionRequest& request) const {
  if (request.messages.empty()) return make_error("openai: a completion needs at least one message");
  json messages = json::array();
  for (const auto& m : request.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  json body = {{"messages", std::move(messages)},
               {"max_tokens", request.max_tokens},
               {"temperature", request.temperature},
               {"top_p", request.top_p},
               {"seed", request.seed},
               {"stream", options_.stream}};
  if (!options_.model.empty()) body["model"] = options_.model;
  if (options_.stream) body["stream_options"] = {{"include_usage", true}};
  for (const auto& stop : request.stop)
    if (stop.empty()) return make_error("openai: a stop sequence is empty");
  if (!request.stop.empty())
    body["stop"] = std::vector<std::string>(
        request.stop.begin(),
        request.stop.begin() + static_cast<long>(std::min(request.stop.size(), kServerStops)));
  if (!request.json_schema.empty()) {
    json schema = json::parse(request.json_schema, nullptr, false);
    if (schema.is_discarded() || !(schema.is_object() || schema.is_boolean()))
      return make_error("openai: the JSON schema is not a JSON object");
    const std::string name = schema_name(schema);
    body["response_format"] = {
        {"type", "json_schema"},
        {"json_schema", {{"name", name}, {"schema", std::move(schema)}, {"strict", true}}}};
  }
  // Invalid UTF-8 in a message (text pasted by a customer) is sent as
  // U+FFFD rather than refused.
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Completion> OpenAiClient::complete(const CompletionRequest& request) {
  GL_ASSIGN_OR_RETURN(const std::string body, request_body(request));
  const auto start = Clock::now();
  double delay_s = options_.retry_delay_s;
  for (int attempt = 0;; ++attempt) {
    Attempt exchange(*this, request, start);
    auto outcome = exchange.run(body);
    if (auto* done = std::get_if<Completion>(&outcome)) return std::move(*done);
    auto& failed = std::get<Attempt::Failure>(outcome);
    if (!failed.retryable || attempt >= options_.retries) {
      if (attempt > 0) failed.message += " (" + std::to_string(attempt + 1) + " attempts)";
      return make_error(std::move(failed.message));
    }
    // Backoff, doubled each time; a 429's Retry-After when it asks for longer.
    const double wait_s = std::max(delay_s, failed.retry_after_s);
    std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
    delay_s *= 2;
  }
}

}  // namespace groundline::llm
