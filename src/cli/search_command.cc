// groundline search "question" --kb FILE [--filter key=value]... [-k 10]
#include <cstdio>

#include "cli/commands.h"
#include "cli/output.h"
#include "retrieve/hit_json.h"
#include "retrieve/search.h"

namespace groundline::cli {

namespace {

struct SearchArgs {
  std::string question;
  std::string kb = "groundline.db";
  std::vector<std::string> filters;
  int k = 10;
  bool json = false;
};

void print_hits(const std::vector<retrieve::Hit>& hits) {
  if (hits.empty()) std::printf("no matching chunks\n");
  for (size_t i = 0; i < hits.size(); ++i) {
    const auto& h = hits[i];
    std::printf("%zu. %s:%d-%d  (v%d, score %.2f)  %s\n", i + 1, h.path.c_str(), h.first_line, h.last_line,
                h.version, h.score, h.title.c_str());
    if (!h.heading_path.empty()) std::printf("   section: %s\n", h.heading_path.c_str());
    std::printf("   tags: %s\n%s\n\n", format_tags(h.tags).c_str(), indented(h.text, 3).c_str());
  }
}

int run_search(const SearchArgs& args) {
  auto filters = retrieve::parse_filters(args.filters);
  if (!filters.ok()) return fail(filters.message());
  auto store = open_kb(args.kb, true);
  if (!store.ok()) return fail(store.message());
  retrieve::SearchOptions options;
  options.filters = std::move(filters).value();
  options.k = args.k;
  auto hits = retrieve::search(**store, args.question, options);
  if (!hits.ok()) return fail(hits.message());
  if (args.json) {
    print_json(retrieve::search_json(args.question, args.filters, args.k, *hits));
  } else {
    print_hits(*hits);
  }
  return kOk;
}

}  // namespace

void add_search_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SearchArgs>();
  auto* cmd = app.add_subcommand("search", "Find the chunks that best match a question");
  cmd->add_option("question", args->question, "What to look for, in plain words")->required();
  cmd->add_option("--kb", args->kb, "Knowledge base file")->capture_default_str();
  cmd->add_option("--filter,-f", args->filters,
                  "key=value applied before ranking: product=pro, category=billing, code=E402, "
                  "updated_after=2025-01-01 (repeat a key for either value)");
  cmd->add_option("-k", args->k, "Number of chunks")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_flag("--json", args->json, "Print the hits as JSON");
  cmd->callback([args, &exit_code] { exit_code = run_search(*args); });
}

}  // namespace groundline::cli
