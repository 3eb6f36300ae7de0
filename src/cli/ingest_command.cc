// groundline ingest DIR --kb FILE
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "ingest/ingest.h"

namespace groundline::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) {
  g_interrupted.store(true);
}

struct IngestArgs {
  std::string folder;
  std::string kb = "groundline.db";
  std::string config;
  int chunk_tokens = 0, chunk_overlap = -1;
  double max_file_mb = 0;
  size_t threads = 0;
  bool json = false;
};

// --config, else groundline.yaml in the folder, else the settings the
// knowledge base was built with, else the defaults; flags override.
Result<ingest::IngestConfig> resolve_config(const IngestArgs& args, kb::Store& store) {
  ingest::IngestConfig config;
  auto beside = std::filesystem::path(args.folder) / "groundline.yaml";
  if (!args.config.empty()) {
    GL_ASSIGN_OR_RETURN(config, ingest::load_config(args.config));
  } else if (std::filesystem::is_regular_file(beside)) {
    GL_ASSIGN_OR_RETURN(config, ingest::load_config(beside.string()));
  } else if (auto stored = store.meta("ingest_config")) {
    GL_ASSIGN_OR_RETURN(config, ingest::config_from_json(*stored));
  }
  if (args.chunk_tokens > 0) config.chunking.max_tokens = args.chunk_tokens;
  if (args.chunk_overlap >= 0) config.chunking.overlap_tokens = args.chunk_overlap;
  if (args.max_file_mb > 0) config.max_file_bytes = static_cast<int64_t>(args.max_file_mb * (1 << 20));
  return config;
}

void show_progress(const ingest::IngestProgress& p) {
  double mb = static_cast<double>(p.bytes_done) / (1 << 20);
  double rate = p.seconds > 0 ? static_cast<double>(p.chunks) / p.seconds : 0;
  std::fprintf(stderr, "\r%zu/%zu files  %.1f MB  %lld chunks  %.0f chunks/s   ", p.files_done, p.files_total,
               mb, static_cast<long long>(p.chunks), rate);
}

nlohmann::json report_json(const ingest::IngestReport& r, const std::string& kb) {
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : r.failures) failures.push_back({{"file", f.path}, {"reason", f.reason}});
  return {{"kb", kb},
          {"files", r.files},
          {"added", r.added},
          {"updated", r.updated},
          {"rechunked", r.rechunked},
          {"unchanged", r.unchanged},
          {"deleted", r.deleted},
          {"skipped", r.skipped},
          {"bytes_read", r.bytes_read},
          {"chunks_written", r.chunks_written},
          {"seconds", r.seconds},
          {"cancelled", r.cancelled},
          {"failed", r.failures.size()},
          {"failures", failures}};
}

void print_summary(const ingest::IngestReport& r, const IngestArgs& args) {
  double mb = static_cast<double>(r.bytes_read) / (1 << 20);
  std::printf(
      "ingested %s into %s: %zu files (%zu added, %zu updated, %zu re-chunked, %zu unchanged, "
      "%zu deleted, %zu failed, %zu skipped), %lld chunks written, %.1f MB read in %.2f s",
      args.folder.c_str(), args.kb.c_str(), r.files, r.added, r.updated, r.rechunked, r.unchanged, r.deleted,
      r.failures.size(), r.skipped, static_cast<long long>(r.chunks_written), mb, r.seconds);
  if (r.seconds > 0 && mb > 0) std::printf(" (%.1f MB/s)", mb / r.seconds);
  std::printf("\n");
}

int run_ingest(const IngestArgs& args) {
  const bool existed = std::filesystem::exists(args.kb);
  auto store = open_kb(args.kb, false);
  if (!store.ok()) return fail(store.message());
  auto config = resolve_config(args, **store);
  if (!config.ok()) return fail(config.message());
  ingest::IngestOptions options;
  options.config = std::move(config).value();
  options.threads = args.threads;
  options.cancel = &g_interrupted;
  bool tty = isatty(STDERR_FILENO) && !args.json;
  if (tty) options.on_progress = show_progress;
  auto previous_int = std::signal(SIGINT, on_interrupt);
  auto previous_term = std::signal(SIGTERM, on_interrupt);
  auto report = ingest::ingest_folder(**store, args.folder, options);
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  if (tty) std::fprintf(stderr, "\r\033[K");
  if (!report.ok()) return fail(report.message());
  for (const auto& f : report->failures)
    std::cerr << args.folder << "/" << f.path << ": " << f.reason << "\n";
  if (report->cancelled) {
    std::cerr << (existed ? "groundline: interrupted; the knowledge base is unchanged\n"
                          : "groundline: interrupted; no knowledge base was created\n");
    return 130;
  }
  // A new knowledge base is moved into place now; part of the ingest's time.
  auto publish_start = std::chrono::steady_clock::now();
  if (auto published = (*store)->publish(); !published.ok()) return fail(published.message());
  report->seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - publish_start).count();
  if (args.json)
    print_json(report_json(*report, args.kb));
  else
    print_summary(*report, args);
  return report->failures.empty() ? kOk : kProblems;
}

}  // namespace

void add_ingest_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<IngestArgs>();
  auto* cmd =
      app.add_subcommand("ingest", "Add a folder of Markdown, HTML, text and PDF files to a knowledge base");
  cmd->add_option("folder", args->folder, "Folder (or single file) to ingest")->required();
  cmd->add_option("--kb", args->kb, "Knowledge base file (SQLite)")->capture_default_str();
  cmd->add_option("--config", args->config, "Ingest settings (groundline.yaml)");
  cmd->add_option("--chunk-tokens", args->chunk_tokens, "Tokens per chunk (default 300)")
      ->check(CLI::Range(8, 100000));
  cmd->add_option("--chunk-overlap", args->chunk_overlap, "Tokens shared by consecutive chunks (default 50)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--max-file-mb", args->max_file_mb, "Refuse files larger than this (default 50)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", args->threads, "Worker threads (default: one per core)");
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->callback([args, &exit_code] { exit_code = run_ingest(*args); });
}

}  // namespace groundline::cli
