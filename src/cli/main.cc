// groundline: a self-hosted answer engine for customer support.
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"groundline: answers from your own documentation, with line citations"};
  app.require_subcommand(1);
  int exit_code = 0;
  groundline::cli::add_ingest_command(app, exit_code);
  groundline::cli::add_search_command(app, exit_code);
  groundline::cli::add_ask_command(app, exit_code);
  groundline::cli::add_inspect_command(app, exit_code);
  groundline::cli::add_eval_command(app, exit_code);
  groundline::cli::add_bench_command(app, exit_code);
  groundline::cli::add_generate_command(app, exit_code);
  groundline::cli::add_bench_llm_command(app, exit_code);
  groundline::cli::add_make_model_command(app, exit_code);
  groundline::cli::add_serve_command(app, exit_code);
  groundline::cli::add_import_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}
