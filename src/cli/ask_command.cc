// groundline ask "question" --kb FILE [--filter key=value]... [--llm SPEC]
#include <cstdio>
#include <memory>

#include "answer/answer.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "llm/language_model.h"
#include "retrieve/search.h"

namespace groundline::cli {

namespace {

struct AskArgs {
  std::string question;
  std::string kb = "groundline.db";
  std::vector<std::string> filters;
  std::string llm = "none";
  int sources = 5;
  int max_tokens = 512;
  double temperature = 0;
  int threads = 0;
  bool self_check = false;
  std::string check_llm;
  bool stream = false;
  bool json = false;
};

void print_answer(const answer::Answer& a) {
  std::printf("%s\n", a.text.c_str());
  if (a.abstained) std::printf("\n(abstained: %s; marked for a human)\n", a.abstain_reason.c_str());
  if (!a.sentences.empty()) std::printf("\nCited lines:\n");
  for (const auto& s : a.sentences)
    for (const auto& c : s.citations)
      std::printf("[%d:%d-%d] %s v%d, lines %d-%d\n%s\n", c.source, c.first_line, c.last_line, c.path.c_str(),
                  c.version, c.first_line, c.last_line, indented(c.quote, 3).c_str());
  if (!a.removed.empty()) std::printf("\nRemoved as unsupported:\n");
  for (const auto& r : a.removed) std::printf("- %s\n  (%s)\n", r.text.c_str(), r.reason.c_str());
  const auto& l = a.latency;
  std::printf("\n%s, confidence %.2f; retrieve %.1f ms, generate %.1f ms, verify %.1f ms, total %.1f ms",
              a.answerer.c_str(), a.confidence, l.retrieve_ms, l.generate_ms, l.verify_ms, l.total_ms);
  if (l.completion_tokens > 0) std::printf("; %d tokens, %.1f ms/token", l.completion_tokens, l.ms_per_token);
  std::printf("\n");
}

int run_ask(const AskArgs& args) {
  auto filters = retrieve::parse_filters(args.filters);
  if (!filters.ok()) return fail(filters.message());
  auto store = open_kb(args.kb, true);
  if (!store.ok()) return fail(store.message());
  llm::LanguageModelOptions model_options;
  model_options.threads = args.threads;
  std::unique_ptr<llm::LanguageModel> model, checker;
  if (args.llm != "none") {
    auto opened = llm::open_language_model(args.llm, model_options);
    if (!opened.ok()) return fail(opened.message());
    model = std::move(opened).value();
  }
  if (!args.check_llm.empty()) {
    auto opened = llm::open_language_model(args.check_llm, model_options);
    if (!opened.ok()) return fail("--check-llm: " + opened.message());
    checker = std::move(opened).value();
  }
  answer::AskOptions options;
  options.filters = std::move(filters).value();
  options.sources = args.sources;
  options.model = model.get();
  options.max_tokens = args.max_tokens;
  options.temperature = args.temperature;
  options.self_check = args.self_check || checker;
  options.checker = checker.get();
  if (args.stream && !args.json) {
    std::printf("draft: ");
    options.on_text = [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  }
  auto answer = answer::ask(**store, args.question, options);
  if (args.stream && !args.json) std::printf("\n\n");
  if (!answer.ok()) return fail(answer.message());
  if (args.json)
    print_json(answer::to_json(*answer));
  else
    print_answer(*answer);
  return kOk;
}

}  // namespace

void add_ask_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<AskArgs>();
  auto* cmd =
      app.add_subcommand("ask", "Answer a question from the documentation, citing the lines it comes from");
  cmd->add_option("question", args->question, "The customer's question")->required();
  cmd->add_option("--kb", args->kb, "Knowledge base file")->capture_default_str();
  cmd->add_option("--filter,-f", args->filters, "key=value applied before ranking (as for search)");
  cmd->add_option("--llm", args->llm,
                  "none (extractive: quotes the best source sentences), openai:URL[#model] "
                  "(an OpenAI-compatible server, URL up to /v1) or gguf:PATH (the built-in engine)")
      ->capture_default_str();
  cmd->add_option("--sources,-k", args->sources, "Chunks retrieved for the answerer")
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  cmd->add_option("--max-tokens", args->max_tokens, "Longest model reply")
      ->capture_default_str()
      ->check(CLI::Range(1, 8192));
  cmd->add_option("--temperature", args->temperature, "Model sampling temperature")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 2.0));
  cmd->add_option("--threads", args->threads, "gguf: threads (0: all cores)")->capture_default_str();
  cmd->add_flag(
      "--self-check", args->self_check,
      "A second pass by the model (--llm or --check-llm) checks each kept sentence against its lines");
  cmd->add_option(
      "--check-llm", args->check_llm,
      "The model of the self-check (openai:URL[#model] or gguf:PATH), also for extractive answers; "
      "implies --self-check");
  cmd->add_flag("--stream", args->stream, "Show the model's draft as it is written");
  cmd->add_flag("--json", args->json, "Print the answer object as JSON");
  cmd->callback([args, &exit_code] { exit_code = run_ask(*args); });
}

}  // namespace groundline::cli
