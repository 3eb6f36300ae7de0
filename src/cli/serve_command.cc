// groundline serve --kb FILE [--port 8080] [--host 127.0.0.1] [--config server.yaml]
//                  [--llm none|openai:URL#model|gguf:PATH] [--threads N]
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cli/commands.h"
#include "cli/output.h"
#include "llm/language_model.h"
#include "server/server.h"

namespace groundline::cli {

namespace {

struct ServeArgs {
  std::string kb = "groundline.db";
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string config;
  std::string llm = "none";
  int threads = 0;
};

int run_serve(const ServeArgs& args) {
  server::ServerOptions options;
  options.kb_path = args.kb;
  options.host = args.host;
  options.port = args.port;
  if (!args.config.empty()) {
    auto config = server::load_server_config(args.config);
    if (!config.ok()) return fail(config.message());
    options.config = std::move(config).value();
  }
  if (args.threads > 0) options.config.threads = args.threads;
  if (!std::filesystem::exists(args.kb))
    return fail(args.kb + ": no knowledge base here (create one with `groundline ingest DIR --kb " + args.kb +
                "`)");

  std::unique_ptr<llm::LanguageModel> model;
  if (args.llm != "none") {
    llm::LanguageModelOptions model_options;
    model_options.timeout_s = options.config.request_timeout_s;
    auto opened = llm::open_language_model(args.llm, model_options);
    if (!opened.ok()) return fail(opened.message());
    model = std::move(opened).value();
    options.model = model.get();
  }

  // SIGINT and SIGTERM stop the server from a thread that waits for them;
  // blocked here first, so that every thread the server starts inherits
  // the mask and none of them is interrupted.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto created = server::Server::create(options);
  if (!created.ok()) return fail(created.message());
  auto& server = **created;
  auto port = server.bind();
  if (!port.ok()) return fail(port.message());
  bool ipv6 = args.host.find(':') != std::string::npos;
  std::printf("listening on http://%s%s%s:%d\n", ipv6 ? "[" : "", args.host.c_str(), ipv6 ? "]" : "", *port);
  std::fflush(stdout);

  std::atomic<bool> signalled = false;
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    signalled = true;
    server.stop();
  });
  auto status = server.run();
  // Wakes the waiter when the server stopped by itself.
  if (!signalled) pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  if (!status.ok()) return fail(status.message());
  return kOk;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd =
      app.add_subcommand("serve", "Answer questions over HTTP (JSON API, OpenAI-compatible chat, web page)");
  cmd->add_option("--kb", args->kb, "Knowledge base file")->capture_default_str();
  cmd->add_option("--port", args->port, "TCP port; 0 picks a free one (printed at start)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--host", args->host, "Address to listen on")->capture_default_str();
  cmd->add_option(
      "--config", args->config,
      "Server settings (YAML): api_keys, max_request_bytes, rate_limit, request_timeout_s, threads");
  cmd->add_option("--llm", args->llm, "Answerer: none (extractive), openai:URL#model or gguf:PATH")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Connections served at once (default 64)")
      ->check(CLI::Range(1, 4096));
  cmd->callback([args, &exit_code] { exit_code = run_serve(*args); });
}

}  // namespace groundline::cli
