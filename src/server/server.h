// groundline's HTTP server: one knowledge base, answered over HTTP.
//
//   POST /v1/answer             {"question", "filters", "k"} -> the answer object (answer::to_json)
//   POST /v1/search             {"query", "filters", "k"} -> hits, as `groundline search --json`
//   GET  /v1/documents/{id}     ?version=N&lines=A-B -> a version's numbered lines
//   POST /v1/chat/completions   OpenAI-compatible, streaming with "stream": true
//   GET  /v1/models             the one model, "groundline"
//   GET  /healthz, GET /metrics (Prometheus text), GET / (the support agents' page)
//
// Every /v1 route needs "Authorization: Bearer KEY" when the settings list
// API keys, and is rate-limited per key (or per address without keys) when
// they set a rate. Errors are OpenAI-shaped JSON (see api.h). The routes
// are thin: each parses its request (api.h), calls one library function
// and writes what it returns.
//
// Thread-safety: the server answers on a pool of threads, each request
// with a knowledge-base connection of its own (store_pool.h); stop() may
// be called from any thread.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "llm/language_model.h"
#include "server/config.h"
#include "server/metrics.h"

namespace groundline::server {

struct ServerOptions {
  std::string kb_path;
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (bind() says which)
  ServerConfig config;
  // Answers with this model; nullptr: the extractive answerer. Borrowed:
  // it must outlive the server, and is called from several threads.
  llm::LanguageModel* model = nullptr;
};

class Server {
 public:
  // Checks that the knowledge base opens. Warns on stderr, once, when the
  // settings list no API key: then anyone who can reach the port can ask.
  static Result<std::unique_ptr<Server>> create(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port and returns the port, the one the system chose when
  // the options ask for port 0. Connections wait until run().
  Result<int> bind();
  // Serves until stop(); the threads finish the requests they have.
  Status run();
  // Makes run() return (or, called before it, return at once). Thread-safe
  // and idempotent.
  void stop();

  const Metrics& metrics() const;

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace groundline::server
