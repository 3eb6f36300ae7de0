#include "llm/gguf_language_model.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "llm/generate.h"

namespace groundline::llm {

namespace {

// Compiled schemas kept; an agent uses a handful of tool schemas, so a
// cache this size is never cleared in practice.
constexpr size_t kSchemaCacheSize = 32;

const char* finish_reason(Generation::Stop stop) {
  switch (stop) {
    case Generation::Stop::kEndOfText:
    case Generation::Stop::kStopSequence:
      return "stop";
    case Generation::Stop::kLength:
    case Generation::Stop::kContextFull:
      return "length";
    case Generation::Stop::kCancelled:
      return "cancelled";
  }
  return "stop";
}

}  // namespace

Result<std::unique_ptr<GgufLanguageModel>> GgufLanguageModel::open(const std::string& path,
                                                                   const LanguageModelOptions& options) {
  std::unique_ptr<GgufLanguageModel> out(new GgufLanguageModel());
  out->path_ = path;
  GL_ASSIGN_OR_RETURN(GgufFile file, GgufFile::open(path));
  out->file_ = std::make_unique<GgufFile>(std::move(file));
  auto model = Model::load(*out->file_);
  if (!model.ok()) return make_error(path + ": " + model.message());
  out->model_ = std::make_unique<Model>(std::move(model).value());
  auto tokenizer = Tokenizer::from_gguf(*out->file_);
  if (!tokenizer.ok()) return make_error(path + ": " + tokenizer.message());
  out->tokenizer_ = std::make_unique<Tokenizer>(std::move(tokenizer).value());

  if (!options.chat_template.empty()) {
    GL_ASSIGN_OR_RETURN(out->template_, chat_template_named(options.chat_template));
  } else if (out->file_->find("tokenizer.chat_template") != nullptr) {
    auto jinja = out->file_->get_string("tokenizer.chat_template");
    auto found = jinja.ok() ? detect_chat_template(*jinja) : std::nullopt;
    if (!found)
      return make_error(path +
                        ": the file's chat template is not one groundline knows; name one (chatml, llama3, "
                        "llama2, mistral, zephyr) in the chat_template option");
    out->template_ = *found;
  }

  if (options.context < 8) return make_error(path + ": the context must be at least 8 tokens");
  const size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                             : std::max(1u, std::thread::hardware_concurrency());
  out->model_->set_threads(threads);
  const int context = std::min(
      options.context, out->model_->shape().context > 0 ? out->model_->shape().context : options.context);
  out->cache_ = std::make_unique<KvCache>(out->model_->shape(), context);
  return out;
}

Result<const JsonSchema*> GgufLanguageModel::schema_for(const std::string& text) {
  if (auto found = schemas_.find(text); found != schemas_.end()) return &found->second;
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return make_error("the JSON schema is not valid JSON");
  JsonSchemaOptions options;
  options.portable_numbers = true;
  auto schema = JsonSchema::compile(parsed, options);
  if (!schema.ok()) return make_error("the JSON schema: " + schema.message());
  if (schemas_.size() >= kSchemaCacheSize) schemas_.clear();
  return &schemas_.emplace(text, std::move(schema).value()).first->second;
}

Result<Completion> GgufLanguageModel::complete(const CompletionRequest& request) {
  if (request.messages.empty()) return make_error(id() + ": a completion needs at least one message");
  GenerateOptions options;
  options.max_tokens = request.max_tokens;
  options.stop = request.stop;
  // With a schema the instance ends the reply; an end-of-turn string could
  // only cut it short (inside a JSON string) and is not applied.
  if (request.json_schema.empty())
    for (auto& stop : chat_stops(template_)) options.stop.push_back(std::move(stop));
  options.sampling.temperature = static_cast<float>(request.temperature);
  options.sampling.top_p = static_cast<float>(request.top_p);
  options.sampling.seed = request.seed;
  std::atomic<bool> cancel{false};
  options.cancel = &cancel;
  if (request.on_text)
    options.on_text = [&](std::string_view piece) {
      if (!request.on_text(piece)) cancel = true;
    };
  const std::string prompt = format_chat(template_, request.messages);

  std::lock_guard lock(mutex_);  // see mutex_: one completion at a time
  if (!request.json_schema.empty()) {
    auto schema = schema_for(request.json_schema);
    if (!schema.ok()) return make_error(id() + ": " + schema.message());
    options.json_schema = *schema;
    if (!trie_) trie_ = std::make_unique<TokenTrie>(*tokenizer_);
    options.token_trie = trie_.get();
  }
  auto generation = generate(*model_, *tokenizer_, *cache_, prompt, options);
  if (!generation.ok()) {
    // A failure may leave the cache part-way through a batch: start afresh.
    cache_->clear();
    return make_error(id() + ": " + generation.message());
  }
  Completion out;
  out.text = std::move(generation->text);
  out.finish_reason = finish_reason(generation->stop);
  out.prompt_tokens = generation->prompt_tokens;
  out.cached_prompt_tokens = generation->prompt_tokens - generation->prefilled_tokens;
  out.completion_tokens = static_cast<int>(generation->tokens.size());
  out.prompt_ms = generation->prefill_ms;
  out.generate_ms = generation->decode_ms;
  return out;
}

}  // namespace groundline::llm
