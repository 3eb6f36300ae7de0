// The built-in engine behind LanguageModel, on the real stories260K model:
// the same text as generate(), streaming, cancellation, stop sequences,
// the KV cache kept between calls, JSON Schema, several threads.
#include "llm/gguf_language_model.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "llm/generate.h"
#include "llm/gguf_writer.h"
#include "llm/test_support.h"
#include "tests/test_files.h"

namespace groundline::llm {
namespace {

const std::string kStories = groundline::testing::kShared + "models/stories260K.gguf";

std::unique_ptr<GgufLanguageModel> open_stories(LanguageModelOptions options = {}) {
  options.threads = 1;
  auto model = GgufLanguageModel::open(kStories, options);
  EXPECT_TRUE(model.ok()) << model.message();
  return model.ok() ? std::move(model).value() : nullptr;
}

CompletionRequest story(const std::string& user, const std::string& system = "Tell a story.") {
  CompletionRequest request;
  request.messages = {{"system", system}, {"user", user}};
  request.max_tokens = 40;
  return request;
}

// What generate() gives for the same chat, on a fresh cache.
Generation reference(const CompletionRequest& request) {
  auto file = GgufFile::open(kStories);
  auto model = Model::load(*file);
  auto tokenizer = Tokenizer::from_gguf(*file);
  EXPECT_TRUE(model.ok() && tokenizer.ok());
  KvCache cache(model->shape(), model->shape().context);
  GenerateOptions options;
  options.max_tokens = request.max_tokens;
  options.stop = request.stop;
  for (const auto& stop : chat_stops(ChatTemplate::kChatML)) options.stop.push_back(stop);
  auto out =
      generate(*model, *tokenizer, cache, format_chat(ChatTemplate::kChatML, request.messages), options);
  EXPECT_TRUE(out.ok()) << out.message();
  return out.ok() ? *out : Generation{};
}

TEST(GgufLanguageModel, GreedyReplyIsWhatGenerateGives) {
  auto model = open_stories();
  ASSERT_TRUE(model);
  EXPECT_EQ(model->id(), "gguf:" + kStories);
  EXPECT_TRUE(model->supports_json_schema());
  EXPECT_EQ(model->chat_template(), ChatTemplate::kChatML);  // the file names none
  const CompletionRequest request = story("Once upon a time");
  auto reply = model->complete(request);
  ASSERT_TRUE(reply.ok()) << reply.message();
  const Generation expected = reference(request);
  EXPECT_FALSE(reply->text.empty());
  EXPECT_EQ(reply->text, expected.text);
  EXPECT_EQ(reply->completion_tokens, static_cast<int>(expected.tokens.size()));
  EXPECT_EQ(reply->prompt_tokens, expected.prompt_tokens);
  EXPECT_EQ(reply->cached_prompt_tokens, 0);
  EXPECT_EQ(reply->finish_reason, expected.stop == Generation::Stop::kLength ? "length" : "stop");
  EXPECT_GT(reply->prompt_ms, 0);
  EXPECT_GT(reply->generate_ms, 0);
}

TEST(GgufLanguageModel, StreamedPiecesMakeTheText) {
  auto model = open_stories();
  ASSERT_TRUE(model);
  CompletionRequest request = story("Once upon a time");
  std::vector<std::string> pieces;
  request.on_text = [&](std::string_view piece) {
    pieces.emplace_back(piece);
    return true;
  };
  auto reply = model->complete(request);
  ASSERT_TRUE(reply.ok()) << reply.message();
  std::string joined;
  for (const auto& piece : pieces) joined += piece;
  EXPECT_GT(pieces.size(), 3u);
  EXPECT_EQ(joined, reply->text);
}

TEST(GgufLanguageModel, ReturningFalseFromOnTextCancels) {
  auto model = open_stories();
  ASSERT_TRUE(model);
  CompletionRequest request = story("Once upon a time");
  request.max_tokens = 200;
  std::string streamed;
  int calls = 0;
  request.on_text = [&](std::string_view piece) {
    streamed += piece;
    return ++calls < 3;
  };
  auto reply = model->complete(request);
  ASSERT_TRUE(reply.ok()) << reply.message();
  EXPECT_EQ(reply->finish_reason, "cancelled");
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(reply->text, streamed);
  EXPECT_LE(reply->completion_tokens, 6);  // a piece or two may be held back for the stop strings
  // The model is usable afterwards, and gives the same text as before.
  request.on_text = nullptr;
  request.max_tokens = 40;
  auto again = model->complete(request);
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_EQ(again->text, reference(request).text);
}

TEST(GgufLanguageModel, EndsBeforeAStopSequence) {
  auto model = open_stories();
  ASSERT_TRUE(model);
  CompletionRequest request = story("Once upon a time");
  auto full = model->complete(request);
  ASSERT_TRUE(full.ok()) << full.message();
  // A word from the middle of the greedy reply.
  const size_t space = full->text.find(' ', full->text.size() / 2);
  ASSERT_NE(space, std::string::npos) << full->text;
  const std::string word = full->text.substr(space, full->text.find(' ', space + 1) - space);
  request.stop = {word};
  std::string streamed;
  request.on_text = [&](std::string_view piece) {
    streamed += piece;
    return true;
  };
  auto cut = model->complete(request);
  ASSERT_TRUE(cut.ok()) << cut.message();
  EXPECT_EQ(cut->text, full->text.substr(0, full->text.find(word)));
  EXPECT_EQ(streamed, cut->text);
  EXPECT_EQ(cut->finish_reason, "stop");
}

TEST(GgufLanguageModel, ASharedSystemPromptIsNotPrefilledAgain) {
  auto model = open_stories();
  ASSERT_TRUE(model);
  const std::string system = "You are a helpful assistant who tells short stories about animals in a forest.";
  auto first = model->complete(story("A fox", system));
  ASSERT_TRUE(first.ok()) << first.message();
  EXPECT_EQ(first->cached_prompt_tokens, 0);
  const CompletionRequest second_request = story("A bear", system);
  auto second = model->complete(second_request);
  ASSERT_TRUE(second.ok()) << second.message();
  // At least the system turn came from the cache, and the text is what a
  // fresh model gives.
  const int system_tokens = static_cast<int>(system.size() / 4);
  EXPECT_GT(second->cached_prompt_tokens, system_tokens) << second->cached_prompt_tokens;
  EXPECT_LT(second->cached_prompt_tokens, second->prompt_tokens);
  EXPECT_EQ(second->text, reference(second_request).text);
}

TEST(GgufLanguageModel, AJsonSchemaGivesAValidInstance) {
  auto model = open_stories();
  ASSERT_TRUE(model);
  const nlohmann::json schema = nlohmann::json::parse(R"({"type":"object",
      "properties":{"mood":{"enum":["happy","sad"]},"age":{"type":"integer"},"name":{"type":"string","maxLength":8}},
      "required":["mood","age"],"additionalProperties":false})");
  for (double temperature : {0.0, 0.9}) {
    CompletionRequest request = story("Describe the girl as JSON.");
    request.max_tokens = 128;
    request.temperature = temperature;
    request.seed = 5;
    request.json_schema = schema.dump();
    auto reply = model->complete(request);
    ASSERT_TRUE(reply.ok()) << reply.message();
    ASSERT_EQ(reply->finish_reason, "stop") << reply->text;
    const auto document = nlohmann::json::parse(reply->text, nullptr, false);
    ASSERT_FALSE(document.is_discarded()) << reply->text;
    EXPECT_TRUE(groundline::testing::valijson_accepts(schema, document)) << reply->text;
  }
  CompletionRequest bad = story("x");
  bad.json_schema = R"({"type":"object","not":{}})";
  auto refused = model->complete(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("unsupported keyword"), std::string::npos) << refused.message();
  bad.json_schema = "{oops";
  EXPECT_FALSE(model->complete(bad).ok());
}

TEST(GgufLanguageModel, CallsFromSeveralThreadsTakeTurns) {
  auto model = open_stories();
  ASSERT_TRUE(model);
  const std::vector<std::string> users = {"A fox", "A bear", "A cat", "A dog"};
  std::vector<std::string> alone;
  for (const auto& user : users) alone.push_back(reference(story(user)).text);
  std::vector<std::string> together(users.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < users.size(); ++i)
    threads.emplace_back([&, i] {
      auto reply = model->complete(story(users[i]));
      together[i] = reply.ok() ? reply->text : reply.message();
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(together, alone);
}

// stories260K with a chat template written into its metadata.
std::string with_template(const std::string& jinja) {
  auto file = GgufFile::open(kStories);
  EXPECT_TRUE(file.ok());
  GgufWriter out;
  for (const auto& [key, value] : file->metadata()) out.set(key, value);
  out.set("tokenizer.chat_template", MetaValue{jinja});
  for (const auto& t : file->tensors())
    EXPECT_TRUE(
        out.add_tensor(t.name, t.type, t.dims, std::string(reinterpret_cast<const char*>(t.data), t.bytes))
            .ok());
  return out.bytes();
}

TEST(GgufLanguageModel, TakesTheTemplateTheFileNamesOrTheOneAskedFor) {
  groundline::testing::TempDir dir;
  const std::string llama3 = dir.write(
      "llama3.gguf", with_template("{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>"
                                   "{{ m.content }}<|eot_id|>{% endfor %}"));
  auto detected = GgufLanguageModel::open(llama3);
  ASSERT_TRUE(detected.ok()) << detected.message();
  EXPECT_EQ((*detected)->chat_template(), ChatTemplate::kLlama3);

  const std::string unknown = dir.write("unknown.gguf", with_template("{{ messages | tojson }}"));
  auto refused = GgufLanguageModel::open(unknown);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find(unknown), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("chat_template"), std::string::npos) << refused.message();
  LanguageModelOptions zephyr;
  zephyr.chat_template = "zephyr";
  auto named = GgufLanguageModel::open(unknown, zephyr);
  ASSERT_TRUE(named.ok()) << named.message();
  EXPECT_EQ((*named)->chat_template(), ChatTemplate::kZephyr);

  LanguageModelOptions bad;
  bad.chat_template = "jinja2";
  EXPECT_FALSE(GgufLanguageModel::open(kStories, bad).ok());
  EXPECT_FALSE(GgufLanguageModel::open(dir / "missing.gguf").ok());
}

TEST(GgufLanguageModel, OpensThroughItsSpec) {
  auto model = open_language_model("gguf:" + kStories);
  ASSERT_TRUE(model.ok()) << model.message();
  EXPECT_EQ((*model)->id(), "gguf:" + kStories);
  auto reply = (*model)->complete(story("Once upon a time"));
  ASSERT_TRUE(reply.ok()) << reply.message();
  EXPECT_EQ(reply->text, reference(story("Once upon a time")).text);
  auto empty = (*model)->complete(CompletionRequest{});
  EXPECT_FALSE(empty.ok());
}

}  // namespace
}  // namespace groundline::llm
