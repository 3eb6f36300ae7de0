// The `groundline` subcommands. Each adds itself to the application; when
// it runs it sets `exit_code` (0 ok, 1 done with problems, 2 failed).
// The commands are thin: they parse options, call one library function
// and print its result as text or, with --json, as one JSON document.
#pragma once

#include <CLI/CLI.hpp>

namespace groundline::cli {

void add_ingest_command(CLI::App& app, int& exit_code);
void add_search_command(CLI::App& app, int& exit_code);
void add_ask_command(CLI::App& app, int& exit_code);
void add_inspect_command(CLI::App& app, int& exit_code);
void add_eval_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_generate_command(CLI::App& app, int& exit_code);
void add_bench_llm_command(CLI::App& app, int& exit_code);
void add_make_model_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_import_command(CLI::App& app, int& exit_code);

}  // namespace groundline::cli
