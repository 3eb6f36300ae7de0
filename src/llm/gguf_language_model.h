// The built-in engine as a LanguageModel: a GGUF file's model and
// tokenizer, run in process on the CPU (model.h, generate.h).
//
// The chat is written in the model's chat template: the one named by
// LanguageModelOptions::chat_template, else the family the file's
// tokenizer.chat_template belongs to (chat.h). A file with no template at
// all (a base model, such as the test model stories260K) is written as
// ChatML so that the pipeline still runs; a file whose template is not a
// known family is refused at open() with a message that asks for one.
// The template's end-of-turn strings are added to the request's stop
// sequences.
//
// Temperature 0 is greedy. A JSON Schema is compiled (portable numbers,
// cached by its text) and enforced token by token, so a reply that
// finished with "stop" is a valid instance, unless one of the request's
// own stop sequences cut it short (as with OpenAI); the template's
// end-of-turn strings are not applied then, as the complete instance ends
// the reply. The vocabulary's token trie is built once, on the first such
// request. The KV cache is kept between calls: a prompt that begins as the
// previous one did (the same system prompt) has only the rest prefilled,
// reported as cached_prompt_tokens.
//
// complete() may be called from several threads; calls run one at a time
// (the model has one KV cache and one compute team).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"
#include "llm/chat.h"
#include "llm/gguf.h"
#include "llm/json_schema.h"
#include "llm/json_token_filter.h"
#include "llm/language_model.h"
#include "llm/model.h"
#include "llm/tokenizer.h"

namespace groundline::llm {

class GgufLanguageModel : public LanguageModel {
 public:
  // Loads the file. Uses options.threads (0: one per core), options.context
  // (capped at the model's) and options.chat_template.
  static Result<std::unique_ptr<GgufLanguageModel>> open(const std::string& path,
                                                         const LanguageModelOptions& options = {});

  std::string id() const override { return "gguf:" + path_; }
  bool supports_json_schema() const override { return true; }
  Result<Completion> complete(const CompletionRequest& request) override;

  ChatTemplate chat_template() const { return template_; }

 private:
  GgufLanguageModel() = default;
  // The compiled schema for its text, compiled once (under mutex_).
  Result<const JsonSchema*> schema_for(const std::string& text);

  std::string path_;
  ChatTemplate template_ = ChatTemplate::kChatML;
  std::unique_ptr<GgufFile> file_;  // mapped weights; Model points into it
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;

  // One completion at a time: generation advances the KV cache and runs
  // the model's compute team, neither of which can be shared, and the
  // schema cache and trie below are filled in as requests come.
  std::mutex mutex_;
  std::unique_ptr<KvCache> cache_;
  std::unique_ptr<TokenTrie> trie_;            // built on the first JSON Schema request
  std::map<std::string, JsonSchema> schemas_;  // by schema text
};

}  // namespace groundline::llm
