// groundline generate --model FILE.gguf "prompt" [--chat] [sampling options] [--json-schema FILE] [--json]
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "cli/output.h"
#include "llm/chat.h"
#include "llm/generate.h"
#include "llm/json_schema.h"

namespace groundline::cli {

namespace {

struct GenerateArgs {
  std::string model, prompt, system, chat_template, json_schema;
  bool chat = false, json = false;
  int context = 2048;
  size_t threads = 0;  // 0: one per core
  llm::GenerateOptions options;
};

std::atomic<bool> interrupted{false};

// The prompt as given, or as a chat turn in the model's template.
Result<std::string> prompt_of(const GenerateArgs& args, const llm::GgufFile& file,
                              std::vector<std::string>& stops) {
  if (!args.chat) return args.prompt;
  llm::ChatTemplate kind;
  if (!args.chat_template.empty()) {
    GL_ASSIGN_OR_RETURN(kind, llm::chat_template_named(args.chat_template));
  } else {
    auto jinja = file.get_string("tokenizer.chat_template");
    auto found = jinja.ok() ? llm::detect_chat_template(*jinja) : std::nullopt;
    if (!found)
      return make_error(args.model + ": no known chat template in the file; name one with --template");
    kind = *found;
  }
  std::vector<llm::ChatMessage> messages;
  if (!args.system.empty()) messages.push_back({"system", args.system});
  messages.push_back({"user", args.prompt});
  for (auto& s : llm::chat_stops(kind)) stops.push_back(s);
  return llm::format_chat(kind, messages);
}

// The schema file compiled for generation (portable numbers).
Result<llm::JsonSchema> load_schema(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot be read");
  auto parsed = nlohmann::json::parse(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(),
                                      nullptr, false);
  if (parsed.is_discarded()) return make_error(path + ": not valid JSON");
  llm::JsonSchemaOptions options;
  options.portable_numbers = true;
  auto schema = llm::JsonSchema::compile(parsed, options);
  if (!schema.ok()) return make_error(path + ": " + schema.message());
  return schema;
}

int run_generate(GenerateArgs& args) {
  std::optional<llm::JsonSchema> schema;
  if (!args.json_schema.empty()) {
    auto loaded = load_schema(args.json_schema);
    if (!loaded.ok()) return fail(loaded.message());
    args.options.json_schema = &schema.emplace(std::move(loaded).value());
  }
  auto file = llm::GgufFile::open(args.model);
  if (!file.ok()) return fail(file.message());
  auto model = llm::Model::load(*file);
  if (!model.ok()) return fail(args.model + ": " + model.message());
  auto tokenizer = llm::Tokenizer::from_gguf(*file);
  if (!tokenizer.ok()) return fail(args.model + ": " + tokenizer.message());
  auto prompt = prompt_of(args, *file, args.options.stop);
  if (!prompt.ok()) return fail(prompt.message());
  model->set_threads(args.threads > 0 ? args.threads : std::max(1u, std::thread::hardware_concurrency()));
  llm::KvCache cache(model->shape(), std::min(args.context, model->shape().context));
  args.options.cancel = &interrupted;
  std::signal(SIGINT, [](int) { interrupted = true; });
  if (!args.json)
    args.options.on_text = [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
    };
  auto out = llm::generate(*model, *tokenizer, cache, *prompt, args.options);
  if (!out.ok()) return fail(out.message());
  double per_token = out->tokens.empty() ? 0 : out->decode_ms / static_cast<double>(out->tokens.size());
  if (args.json) {
    print_json({{"text", out->text},
                {"stop", llm::stop_name(out->stop)},
                {"prompt_tokens", out->prompt_tokens},
                {"generated_tokens", out->tokens.size()},
                {"prefill_ms", out->prefill_ms},
                {"decode_ms", out->decode_ms},
                {"ms_per_token", per_token}});
  } else {
    std::printf("\n");
    std::fprintf(stderr, "[%d prompt tokens in %.1f ms; %zu tokens in %.1f ms, %.2f ms/token; stopped: %s]\n",
                 out->prompt_tokens, out->prefill_ms, out->tokens.size(), out->decode_ms, per_token,
                 llm::stop_name(out->stop));
  }
  return out->stop == llm::Generation::Stop::kCancelled ? 130 : kOk;
}

}  // namespace

void add_generate_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand("generate", "Continue a prompt with a GGUF model (the built-in engine)");
  cmd->add_option("prompt", args->prompt, "The prompt")->required();
  cmd->add_option("--model", args->model, "GGUF model file")->required();
  cmd->add_flag("--chat", args->chat, "Send the prompt as a user turn in the model's chat template");
  cmd->add_option("--system", args->system, "System message (with --chat)");
  cmd->add_option("--template", args->chat_template,
                  "Chat template: chatml, llama3, llama2, mistral, zephyr");
  cmd->add_option("--max-tokens", args->options.max_tokens, "Tokens to generate at most")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--context", args->context, "Context length (tokens)")
      ->capture_default_str()
      ->check(CLI::Range(8, 1 << 20));
  auto& s = args->options.sampling;
  cmd->add_option("--temperature", s.temperature, "0 for greedy")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 10.0));
  cmd->add_option("--top-k", s.top_k, "Keep the k likeliest tokens (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-p", s.top_p, "Nucleus sampling")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--min-p", s.min_p, "Drop tokens below min-p times the likeliest")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--repeat-penalty", s.repetition_penalty, "Penalty for repeated tokens")
      ->check(CLI::Range(0.5, 5.0));
  cmd->add_option("--seed", s.seed, "Random seed");
  cmd->add_option("--stop", args->options.stop, "Stop before this text (repeatable)");
  cmd->add_option("--json-schema", args->json_schema,
                  "Only write JSON valid for this JSON Schema file; stop when it is complete");
  cmd->add_option("--threads", args->threads, "Threads (default: one per core)");
  cmd->add_flag("--json", args->json, "Print one JSON document");
  cmd->callback([args, &exit_code] { exit_code = run_generate(*args); });
}

}  // namespace groundline::cli
