#include "server/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

#include "answer/answer.h"
#include "retrieve/hit_json.h"
#include "retrieve/search.h"
#include "server/api.h"
#include "server/rate_limiter.h"
#include "server/store_pool.h"
#include "server/web_page.h"

namespace groundline::server {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kDefaultThreads = 64;
// A connection goes back to the queue after this many requests, so that
// clients waiting for a thread are not starved by busy keep-alive ones.
constexpr size_t kKeepAliveRequests = 100;

// When the request being served on this thread started (its headers read).
thread_local Clock::time_point request_started;

// The route a request was for, as metrics label it: the pattern, never the
// raw path, so that the number of series stays fixed.
std::string route_label(const httplib::Request& req) {
  static const char* const kRoutes[] = {
      "/", "/healthz", "/metrics", "/v1/answer", "/v1/search", "/v1/models", "/v1/chat/completions"};
  if (req.path.starts_with("/v1/documents/")) return "/v1/documents/{id}";
  for (const char* route : kRoutes)
    if (req.path == route) return route;
  return "other";
}

// Compares keys in time that does not depend on where they differ.
bool same_key(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

ApiError server_error(std::string message) {
  return ApiError{500, std::move(message), "server_error", "", ""};
}

}  // namespace

class Server::Impl {
 public:
  explicit Impl(ServerOptions options)
      : options_(std::move(options)),
        threads_(options_.config.threads > 0 ? options_.config.threads : kDefaultThreads),
        // Extractive answers only use the CPU: more stores than twice the
        // cores would only hold more memory. A model makes a request wait
        // on it for seconds with its store, so then every thread gets one.
        stores_(options_.kb_path, options_.model
                                      ? static_cast<size_t>(threads_)
                                      : std::max<size_t>(4, 2 * std::thread::hardware_concurrency())),
        limiter_(options_.config.rate_limit.requests_per_second, options_.config.rate_limit.burst),
        started_at_(std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count()) {}

  Status check_store() {
    auto store = stores_.acquire();
    if (!store.ok()) return store.status();
    return {};
  }

  void configure();
  Result<int> bind();
  Status run();
  void stop();
  const Metrics& metrics() const { return metrics_; }

 private:
  using Route = void (Impl::*)(const httplib::Request&, httplib::Response&);
  // A /v1 route behind the API key and rate checks.
  httplib::Server::Handler guarded(Route route);
  bool admit(const httplib::Request& req, httplib::Response& res);

  void answer_route(const httplib::Request& req, httplib::Response& res);
  void search_route(const httplib::Request& req, httplib::Response& res);
  void document_route(const httplib::Request& req, httplib::Response& res);
  void chat_route(const httplib::Request& req, httplib::Response& res);
  void models_route(const httplib::Request& req, httplib::Response& res);
  void health_route(const httplib::Request& req, httplib::Response& res);
  void metrics_route(const httplib::Request& req, httplib::Response& res);
  void page_route(const httplib::Request& req, httplib::Response& res);

  // answer::ask with a borrowed store, the server's model, the request's
  // deadline, and the answer counted in the metrics.
  ApiResult<answer::Answer> answer_question(const std::string& question, answer::AskOptions ask);
  std::string next_completion_id();

  ServerOptions options_;
  int threads_;
  httplib::Server http_;
  StorePool stores_;
  RateLimiter limiter_;
  Metrics metrics_;
  int64_t started_at_;
  std::atomic<uint64_t> completions_{0};
  int listen_socket_ = -1;
  std::atomic<bool> in_run_{false}, stop_requested_{false}, stopping_{false};
};

void Server::Impl::configure() {
  http_.new_task_queue = [n = threads_] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
  http_.set_keep_alive_max_count(kKeepAliveRequests);
  // Small responses: without this a body written after its headers waits
  // for the client's delayed ACK (40 ms) under Nagle's algorithm.
  http_.set_tcp_nodelay(true);
  // Replaces httplib's default options, which also set SO_REUSEPORT: that
  // would let a second server bind the same port and take half the traffic.
  // Remembers the listening socket for bind(), which widens its backlog.
  http_.set_socket_options([this](int socket) {
    int one = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    listen_socket_ = socket;
  });
  http_.set_payload_max_length(options_.config.max_request_bytes);
  auto timeout = std::chrono::duration<double>(options_.config.request_timeout_s);
  http_.set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
  http_.set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));

  http_.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_started = Clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Called once the response is sent (a stream included), for every request.
  http_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    double seconds = request_started == Clock::time_point{} ? 0 : seconds_since(request_started);
    request_started = {};
    metrics_.count_request(route_label(req), res.status, seconds);
    if (res.status >= 500)
      std::cerr << "groundline serve: " << req.method << " " << req.path << " -> " << res.status << "\n";
  });
  // Errors httplib finds itself (no route, body too large, malformed
  // request) get the same JSON shape as the routes' own.
  http_.set_error_handler(
      httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        ApiError error{res.status, "", "invalid_request_error", "", ""};
        if (res.status == 404) {
          error.message = "no route for " + req.method + " " + req.path;
          error.code = "unknown_url";
        } else if (res.status == 413) {
          error.message =
              "request body is larger than " + std::to_string(options_.config.max_request_bytes) + " bytes";
          error.code = "request_too_large";
        } else {
          error.message = res.status >= 500 ? "internal server error" : "malformed HTTP request";
          if (res.status >= 500) error.type = "server_error";
        }
        res.set_content(dump_json(error_json(error)), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  http_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal server error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what += ": " + std::string(e.what());
    } catch (...) {
    }
    res.status = 500;
    res.set_content(dump_json(error_json(server_error(what))), "application/json");
  });

  http_.Post("/v1/answer", guarded(&Impl::answer_route));
  http_.Post("/v1/search", guarded(&Impl::search_route));
  http_.Get("/v1/documents/(.+)", guarded(&Impl::document_route));
  http_.Post("/v1/chat/completions", guarded(&Impl::chat_route));
  http_.Get("/v1/models", guarded(&Impl::models_route));
  http_.Get("/healthz", [this](const auto& req, auto& res) { health_route(req, res); });
  http_.Get("/metrics", [this](const auto& req, auto& res) { metrics_route(req, res); });
  http_.Get("/", [this](const auto& req, auto& res) { page_route(req, res); });
}

Result<int> Server::Impl::bind() {
  int port = options_.port == 0 ? http_.bind_to_any_port(options_.host)
                                : (http_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port < 0)
    return make_error("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                      " (in use, or not an address of this machine)");
  // httplib listens with a backlog of 5; a burst of new connections (64
  // clients starting at once) would overflow it and wait a second for the
  // SYN to be resent. Calling listen() again on Linux only sets the backlog.
  if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
  if (options_.config.api_keys.empty())
    std::cerr << "groundline serve: WARNING: no api_keys are configured: the API is open to anyone who can "
                 "reach "
              << options_.host << ":" << port << ". List keys in a --config file to require them.\n";
  return port;
}

Status Server::Impl::run() {
  in_run_ = true;
  if (stop_requested_) {
    in_run_ = false;
    return {};
  }
  bool ok = http_.listen_after_bind();
  in_run_ = false;
  if (!ok && !stop_requested_) return make_error("the server stopped accepting connections");
  return {};
}

void Server::Impl::stop() {
  stop_requested_ = true;
  if (stopping_.exchange(true)) return;
  // httplib's stop() acts only on a running loop: wait until run() has
  // started it, unless run() is not running at all (it then sees
  // stop_requested_ and returns).
  while (in_run_) {
    if (http_.is_running()) {
      http_.stop();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

httplib::Server::Handler Server::Impl::guarded(Route route) {
  return [this, route](const httplib::Request& req, httplib::Response& res) {
    if (admit(req, res)) (this->*route)(req, res);
  };
}

namespace {

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump_json(body), "application/json");
}

void reply_error(httplib::Response& res, const ApiError& error) {
  reply(res, error.status, error_json(error));
}

}  // namespace

bool Server::Impl::admit(const httplib::Request& req, httplib::Response& res) {
  auto limited = [&](const std::string& client) {
    double wait = limiter_.acquire(client);
    if (wait <= 0) return false;
    res.set_header("Retry-After", std::to_string(static_cast<int>(std::ceil(wait))));
    char message[160];
    std::snprintf(message, sizeof message, "rate limit reached (%g requests per second); retry in %.2f s",
                  options_.config.rate_limit.requests_per_second, wait);
    reply_error(res, {429, message, "rate_limit_error", "", "rate_limit_exceeded"});
    return true;
  };
  std::string client = "address " + req.remote_addr;
  if (!options_.config.api_keys.empty()) {
    auto header = req.get_header_value("Authorization");
    std::string_view key;
    if (header.starts_with("Bearer ")) key = std::string_view(header).substr(7);
    bool known = false;
    for (const auto& k : options_.config.api_keys) known = same_key(key, k) || known;
    if (!known) {
      // Guesses count against the address, so that keys cannot be tried
      // faster than the rate.
      if (limited(client)) return false;
      reply_error(res, {401,
                        key.empty() ? "missing API key: send the header \"Authorization: Bearer KEY\""
                                    : "invalid API key",
                        "invalid_request_error", "", "invalid_api_key"});
      return false;
    }
    client = "key " + std::string(key);
  }
  if (limited(client)) return false;
  // httplib enforces the size of bodies sent with a length; this catches
  // chunked ones too.
  if (req.body.size() > options_.config.max_request_bytes) {
    reply_error(
        res,
        {413, "request body is larger than " + std::to_string(options_.config.max_request_bytes) + " bytes",
         "invalid_request_error", "", "request_too_large"});
    return false;
  }
  return true;
}

ApiResult<answer::Answer> Server::Impl::answer_question(const std::string& question, answer::AskOptions ask) {
  auto store = stores_.acquire();
  if (!store.ok()) return server_error(store.message());
  ask.model = options_.model;
  // A model that is still writing when the request's time is up is stopped.
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(options_.config.request_timeout_s));
  bool timed_out = false;
  if (options_.model) {
    ask.on_text = [&](std::string_view) {
      timed_out = Clock::now() > deadline;
      return !timed_out;
    };
  }
  auto answer = answer::ask(**store, question, ask);
  if (timed_out) {
    char message[128];
    std::snprintf(message, sizeof message, "the answer took longer than the request timeout (%g s)",
                  options_.config.request_timeout_s);
    return ApiError{504, message, "timeout_error", "", "timeout"};
  }
  if (!answer.ok()) return server_error(answer.message());
  const auto& latency = answer->latency;
  metrics_.observe_stage(Stage::kRetrieve, latency.retrieve_ms / 1000);
  metrics_.observe_stage(Stage::kGenerate, latency.generate_ms / 1000);
  metrics_.observe_stage(Stage::kVerify, latency.verify_ms / 1000);
  metrics_.observe_stage(Stage::kTotal, latency.total_ms / 1000);
  metrics_.count_answer(answer->abstained, answer->removed.size());
  return std::move(answer).value();
}

std::string Server::Impl::next_completion_id() {
  char id[48];
  std::snprintf(id, sizeof id, "chatcmpl-%llx%06llx", static_cast<unsigned long long>(started_at_),
                static_cast<unsigned long long>(++completions_));
  return id;
}

void Server::Impl::answer_route(const httplib::Request& req, httplib::Response& res) {
  auto request = parse_answer_request(req.body);
  if (!request.ok()) return reply_error(res, request.error());
  auto answer = answer_question(request->question, ask_options(*request));
  if (!answer.ok()) return reply_error(res, answer.error());
  reply(res, 200, answer::to_json(*answer));
}

void Server::Impl::search_route(const httplib::Request& req, httplib::Response& res) {
  auto request = parse_search_request(req.body);
  if (!request.ok()) return reply_error(res, request.error());
  auto store = stores_.acquire();
  if (!store.ok()) return reply_error(res, server_error(store.message()));
  retrieve::SearchOptions options;
  options.filters = request->filters.parsed;
  options.k = request->k;
  auto hits = retrieve::search(**store, request->query, options);
  if (!hits.ok()) return reply_error(res, server_error(hits.message()));
  reply(res, 200, retrieve::search_json(request->query, request->filters.specs, request->k, *hits));
}

void Server::Impl::document_route(const httplib::Request& req, httplib::Response& res) {
  auto param = [&](const char* name) -> std::optional<std::string_view> {
    if (!req.has_param(name)) return std::nullopt;
    return std::string_view(req.params.find(name)->second);
  };
  auto request = parse_document_request(req.matches[1].str(), param("version"), param("lines"));
  if (!request.ok()) return reply_error(res, request.error());
  auto store = stores_.acquire();
  if (!store.ok()) return reply_error(res, server_error(store.message()));
  auto doc = (*store)->document(request->id);
  if (!doc.ok())
    return reply_error(res, {404, doc.message(), "invalid_request_error", "id", "document_not_found"});
  if (request->version > doc->current_version)
    return reply_error(res, {404,
                             doc->path + " has no version " + std::to_string(request->version) +
                                 " (the latest is " + std::to_string(doc->current_version) + ")",
                             "invalid_request_error", "version", "version_not_found"});
  auto text = (*store)->version_text(doc->id, request->version);
  if (!text.ok()) return reply_error(res, server_error(text.message()));
  auto body = document_lines_json(*text, *request);
  if (!body.ok()) return reply_error(res, body.error());
  reply(res, 200, *body);
}

void Server::Impl::chat_route(const httplib::Request& req, httplib::Response& res) {
  auto request = parse_chat_request(req.body);
  if (!request.ok()) return reply_error(res, request.error());
  CompletionInfo info{
      next_completion_id(),
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count(),
      "groundline"};
  if (!request->stream) {
    auto answer = answer_question(request->question, ask_options(*request));
    if (!answer.ok()) return reply_error(res, answer.error());
    return reply(res, 200, chat_completion_json(*answer, info));
  }
  // The role goes out at once; the text only once verified, since what the
  // model writes before the verifier has read it is not yet fit to show.
  // An error after the first event can only be an event itself.
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream", [this, chat = std::move(*request), info](size_t, httplib::DataSink& sink) {
        auto send = [&](const std::string& event) { return sink.write(event.data(), event.size()); };
        if (!send(chat_role_event(info))) return false;
        auto answer = answer_question(chat.question, ask_options(chat));
        if (!answer.ok()) {
          send(sse_event(error_json(answer.error())));
        } else {
          for (const auto& event : chat_answer_events(*answer, info, chat.include_usage))
            if (!send(event)) return false;
        }
        sink.done();
        return true;
      });
}

void Server::Impl::models_route(const httplib::Request&, httplib::Response& res) {
  reply(res, 200, models_json(started_at_));
}

void Server::Impl::health_route(const httplib::Request&, httplib::Response& res) {
  auto store = stores_.acquire();
  auto stats = store.ok() ? (*store)->lexical_stats() : Result<kb::LexicalStats>(store.error());
  if (!stats.ok()) return reply(res, 503, {{"status", "unavailable"}, {"error", stats.message()}});
  reply(res, 200, {{"status", "ok"}, {"chunks", stats->chunks}});
}

void Server::Impl::metrics_route(const httplib::Request&, httplib::Response& res) {
  res.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
}

void Server::Impl::page_route(const httplib::Request&, httplib::Response& res) {
  auto page = web_page();
  // The page is not to be framed by other sites (clickjacking) nor its
  // type guessed.
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
}

Result<std::unique_ptr<Server>> Server::create(ServerOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  GL_TRY(impl->check_store());
  impl->configure();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;
Result<int> Server::bind() {
  return impl_->bind();
}
Status Server::run() {
  return impl_->run();
}
void Server::stop() {
  impl_->stop();
}
const Metrics& Server::metrics() const {
  return impl_->metrics();
}

}  // namespace groundline::server
