#include "server/api.h"

#include <gtest/gtest.h>

namespace groundline::server {
namespace {

using nlohmann::json;

TEST(AnswerRequest, TakesQuestionFiltersAsObjectOrListAndK) {
  auto a =
      parse_answer_request(R"({"question": "storage per seat?", "filters": {"product": "pro"}, "k": 3})");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->question, "storage per seat?");
  EXPECT_EQ(a->filters.specs, std::vector<std::string>{"product=pro"});
  ASSERT_EQ(a->filters.parsed.size(), 1u);
  EXPECT_EQ(a->filters.parsed[0].key, "product");
  EXPECT_EQ(a->k, 3);

  auto b = parse_answer_request(
      R"({"question": "q", "filters": ["product=pro", "updated_after=2025-01-01"], "k": null})");
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->filters.specs.size(), 2u);
  EXPECT_EQ(b->k, 5);  // null is the default

  auto c = parse_answer_request(R"({"question": "q", "filters": {"product": ["pro", "starter"]}})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->filters.specs, (std::vector<std::string>{"product=pro", "product=starter"}));
}

struct BadBody {
  std::string body;
  std::string param;    // "" when the error names no field
  std::string message;  // a part of the message
};

class BadAnswerRequest : public ::testing::TestWithParam<BadBody> {};

TEST_P(BadAnswerRequest, IsA400ThatNamesTheField) {
  const auto& bad = GetParam();
  auto r = parse_answer_request(bad.body);
  ASSERT_FALSE(r.ok()) << bad.body;
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().type, "invalid_request_error");
  EXPECT_EQ(r.error().param, bad.param) << r.error().message;
  EXPECT_NE(r.error().message.find(bad.message), std::string::npos) << r.error().message;
  // The error body is valid JSON whatever the request held.
  auto text = dump_json(error_json(r.error()));
  EXPECT_FALSE(json::parse(text, nullptr, false).is_discarded()) << text;
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, BadAnswerRequest,
    ::testing::Values(
        BadBody{R"({"question": 42})", "question", "field 'question' must be a string"},
        BadBody{R"({"question": null})", "question", "must be a string"},
        BadBody{R"({"filters": {"product": "pro"}})", "question", "field 'question' is required"},
        BadBody{R"({"question": "   "})", "question", "must not be empty"},
        BadBody{R"({"question": "q", "k": "5"})", "k", "field 'k' must be an integer from 1 to 50"},
        BadBody{R"({"question": "q", "k": 2.5})", "k", "must be an integer"},
        BadBody{R"({"question": "q", "k": 0})", "k", "from 1 to 50"},
        BadBody{R"({"question": "q", "filters": "product=pro"})", "filters", "must be an object"},
        BadBody{R"({"question": "q", "filters": {"product": 3}})", "filters.product",
                "must be a string or a list of strings"},
        BadBody{R"({"question": "q", "filters": [1]})", "filters[0]", "must be a string"},
        BadBody{R"({"question": "q", "filters": ["updated_after=yesterday"]})", "filters", "updated_after"},
        BadBody{R"({"question": "q",)", "", "not valid JSON"},
        BadBody{R"({"question": tru})", "question", "not valid JSON"},
        BadBody{"", "", "request body is empty"}, BadBody{R"(["question"])", "", "must be a JSON object"},
        BadBody{"{\"question\": \"caf\xC3\x28 au lait\"}", "question", "field 'question' is not valid UTF-8"},
        BadBody{"{\"question\": \"ok\", \"filters\": [\"product=\xFF\"]}", "filters[0]",
                "is not valid UTF-8"},
        BadBody{"{\"question\": \"\xED\xA0\x80\"}", "question", "is not valid UTF-8"}));

TEST(SearchRequest, NeedsAQueryAndTakesKUpTo1000) {
  auto ok = parse_search_request(R"({"query": "card declined", "k": 1000})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->k, 1000);
  auto missing = parse_search_request(R"({"question": "card declined"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().param, "query");
  auto big = parse_search_request(R"({"query": "x", "k": 1001})");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().param, "k");
}

TEST(ChatRequest, TheQuestionIsTheLastUserMessage) {
  auto r = parse_chat_request(R"({"model": "groundline", "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": "What is E402?"},
      {"role": "assistant", "content": "A billing error."},
      {"role": "user", "content": [{"type": "text", "text": "How much is Pro"}, {"type": "text", "text": "per seat?"}]}],
      "stream": true, "stream_options": {"include_usage": true}, "max_tokens": 64, "temperature": 0.2,
      "filters": {"product": "pro"}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->question, "How much is Pro\nper seat?");
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(r->max_tokens, 64);
  EXPECT_DOUBLE_EQ(r->temperature, 0.2);
  EXPECT_EQ(r->filters.specs, std::vector<std::string>{"product=pro"});
}

TEST(ChatRequest, AsksTheAnswererForWhatItSets) {
  auto r = parse_chat_request(
      R"({"messages": [{"role": "user", "content": "q"}], "max_completion_tokens": 99, "temperature": 1,
          "k": 7, "filters": ["category=billing"]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto options = ask_options(*r);
  EXPECT_EQ(options.max_tokens, 99);
  EXPECT_DOUBLE_EQ(options.temperature, 1);
  EXPECT_EQ(options.sources, 7);
  ASSERT_EQ(options.filters.size(), 1u);
  EXPECT_EQ(options.filters[0].key, "category");
  EXPECT_EQ(options.model, nullptr);  // the server's to set
}

TEST(ChatRequest, BadMessagesAreNamed) {
  struct Case {
    std::string body, param;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"model": "m"})", "messages"},
           {R"({"messages": []})", "messages"},
           {R"({"messages": "hi"})", "messages"},
           {R"({"messages": [{"role": "system", "content": "x"}]})", "messages"},
           {R"({"messages": [{"role": 1, "content": "x"}]})", "messages[0].role"},
           {R"({"messages": [{"role": "user", "content": 7}]})", "messages[0].content"},
           {R"({"messages": [{"role": "user", "content": [{"type": "text", "text": 1}]}]})",
            "messages[0].content[0].text"},
           {R"({"messages": [{"role": "user", "content": ""}]})", "messages[0].content"},
           {R"({"messages": [{"role": "user", "content": "q"}], "stream": "yes"})", "stream"},
           {R"({"messages": [{"role": "user", "content": "q"}], "temperature": 3})", "temperature"},
           {R"({"messages": [{"role": "user", "content": "q"}], "n": 2})", "n"},
           {R"({"messages": [{"role": "user", "content": "q"}], "model": 4})", "model"},
           {"{\"messages\": [{\"role\": \"user\", \"content\": \"ok\"}, {\"role\": \"user\", \"content\": "
            "\"\xFF\"}]}",
            "messages[1].content"},
       }) {
    auto r = parse_chat_request(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().param, c.param) << c.body << ": " << r.error().message;
  }
}

TEST(DocumentRequest, ParsesVersionAndLineRange) {
  auto r = parse_document_request("plans/pro.md", "2", "12-30");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, "plans/pro.md");
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(r->first_line, 12);
  EXPECT_EQ(r->last_line, 30);
  auto one = parse_document_request("7", std::nullopt, "5");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->first_line, 5);
  EXPECT_EQ(one->last_line, 5);
  for (const char* bad : {"30-12", "0-3", "a-b", "3-", "-3", "1-2-3", ""}) {
    auto e = parse_document_request("7", std::nullopt, std::string_view(bad));
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().param, "lines") << bad;
  }
  auto v = parse_document_request("7", "latest", std::nullopt);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().param, "version");
}

TEST(DocumentLines, AreNumberedAndCutAtTheEnd) {
  kb::VersionText text;
  text.doc_id = 3;
  text.path = "plans/pro.md";
  text.title = "Pro";
  text.version = 2;
  text.lines = {"# Pro", "", "Storage: 250 GB", "Seats: 5"};
  DocumentRequest request;
  request.first_line = 3;
  request.last_line = 9;
  auto j = document_lines_json(text, request);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["first_line"], 3);
  EXPECT_EQ((*j)["last_line"], 4);
  EXPECT_EQ((*j)["line_count"], 4);
  ASSERT_EQ((*j)["lines"].size(), 2u);
  EXPECT_EQ((*j)["lines"][0]["number"], 3);
  EXPECT_EQ((*j)["lines"][0]["text"], "Storage: 250 GB");
  auto all = document_lines_json(text, DocumentRequest{});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)["lines"].size(), 4u);
  request.first_line = 5;
  auto past = document_lines_json(text, request);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().param, "lines");
  EXPECT_NE(past.error().message.find("has 4 lines"), std::string::npos);
}

answer::Answer sample_answer() {
  answer::Answer a;
  a.question = "How much storage does Pro include?";
  a.text = "The Pro plan includes 250 GB of storage per seat. [1:5]";
  answer::AnswerSentence s;
  s.text = "The Pro plan includes 250 GB of storage per seat.";
  answer::Citation c;
  c.source = 1;
  c.first_line = c.last_line = 5;
  c.path = "plans/pro.md";
  c.quote = "The Pro plan includes 250 GB of storage per seat.";
  s.citations.push_back(c);
  a.sentences.push_back(s);
  a.grounded = true;
  a.answerer = "extractive";
  return a;
}

TEST(ChatCompletion, CarriesTheAnswerTextAndTheAnswerObject) {
  CompletionInfo info{"chatcmpl-1", 1700000000, "groundline"};
  auto j = chat_completion_json(sample_answer(), info);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  const auto& message = j["choices"][0]["message"];
  EXPECT_EQ(message["role"], "assistant");
  EXPECT_EQ(message["content"], sample_answer().text);
  EXPECT_EQ(message["groundline"]["sentences"][0]["citations"][0]["path"], "plans/pro.md");
  EXPECT_EQ(j["usage"]["total_tokens"], 0);
}

TEST(ChatStream, PiecesConcatenateToTheTextAndTheLastChunkHasTheAnswer) {
  for (std::string_view text : {"", "one", "  two  words ", "a\nb\tc", "Ünïcode wörds [1:2-3]."}) {
    std::string joined;
    for (auto piece : stream_pieces(text)) {
      EXPECT_FALSE(piece.empty());
      joined += piece;
    }
    EXPECT_EQ(joined, text);
  }
  CompletionInfo info{"chatcmpl-1", 1700000000, "groundline"};
  auto role = json::parse(chat_role_event(info).substr(6));
  EXPECT_EQ(role["choices"][0]["delta"]["role"], "assistant");
  auto events = chat_answer_events(sample_answer(), info, true);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back(), "data: [DONE]\n\n");
  std::string content;
  json last_choice, usage;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    ASSERT_TRUE(events[i].starts_with("data: ") && events[i].ends_with("\n\n")) << events[i];
    auto chunk = json::parse(events[i].substr(6));
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    EXPECT_EQ(chunk["id"], "chatcmpl-1");
    if (chunk["choices"].empty()) {
      usage = chunk["usage"];
      continue;
    }
    const auto& choice = chunk["choices"][0];
    if (choice["delta"].contains("content")) content += choice["delta"]["content"].get<std::string>();
    last_choice = choice;
  }
  EXPECT_EQ(content, sample_answer().text);
  EXPECT_EQ(last_choice["finish_reason"], "stop");
  EXPECT_EQ(last_choice["delta"]["groundline"]["text"], sample_answer().text);
  EXPECT_EQ(usage["total_tokens"], 0);
}

TEST(Json, InvalidUtf8IsReplacedNotThrown) {
  json j = {{"text", "bad \xFF byte"}};
  std::string out;
  ASSERT_NO_THROW(out = dump_json(j));
  EXPECT_NE(out.find("\xEF\xBF\xBD"), std::string::npos);
  EXPECT_FALSE(json::parse(out, nullptr, false).is_discarded());
}

TEST(ErrorJson, HasOpenAisShape) {
  auto j = error_json(ApiError{401, "invalid API key", "invalid_request_error", "", "invalid_api_key"});
  EXPECT_EQ(j["error"]["message"], "invalid API key");
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_TRUE(j["error"]["param"].is_null());
  EXPECT_EQ(j["error"]["code"], "invalid_api_key");
}

TEST(Models, ListsGroundline) {
  auto j = models_json(1);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["data"][0]["id"], "groundline");
}

}  // namespace
}  // namespace groundline::server
