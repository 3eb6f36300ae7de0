#include <gtest/gtest.h>

#include "eval/questions.h"
#include "eval/retrieval.h"
#include "ingest/ingest.h"
#include "tests/test_files.h"

namespace groundline::eval {
namespace {

TEST(Questions, ParsesEveryField) {
  auto qs = parse_questions(
      R"({"id": "a", "question": "How much storage?", "filters": {"product": "pro", "category": ["billing", "admin"]},)"
      R"( "gold": [{"doc": "plans/pro.md", "first_line": 3, "last_line": 4}], "answer_facts": ["250 GB"], "answerable": true, "type": "plan"})"
      "\n\n"
      R"({"id": "b", "question": "Is there a Business plan?", "gold": [], "answer_facts": [], "answerable": false})",
      "q.jsonl");
  ASSERT_TRUE(qs.ok()) << qs.message();
  ASSERT_EQ(qs->size(), 2u);
  EXPECT_EQ((*qs)[0].filters,
            (std::vector<std::string>{"category=billing", "category=admin", "product=pro"}));
  EXPECT_EQ((*qs)[0].gold[0].doc, "plans/pro.md");
  EXPECT_EQ((*qs)[0].gold[0].last_line, 4);
  EXPECT_EQ((*qs)[0].type, "plan");
  EXPECT_FALSE((*qs)[1].answerable);
}

TEST(Questions, ErrorsNameFileLineAndField) {
  auto expect_error = [](const std::string& text, const std::string& needle) {
    auto qs = parse_questions(text, "q.jsonl");
    ASSERT_FALSE(qs.ok()) << text;
    EXPECT_NE(qs.message().find(needle), std::string::npos) << qs.message();
  };
  expect_error("{\"id\": \"a\", \"question\": \"x\", \"answerable\": false}\n{not json",
               "q.jsonl:2: not valid JSON");
  expect_error(R"({"question": "x"})", "missing field 'id'");
  expect_error(R"({"id": 5, "question": "x"})", "field 'id' must be text");
  expect_error(R"({"id": "a", "question": "x"})", "needs 'gold'");
  expect_error(R"({"id": "a", "question": "x", "gold": [{"doc": "d", "first_line": 5, "last_line": 2}]})",
               "not a line range");
  expect_error(R"({"id": "a", "question": "x", "answerable": false, "filters": {"k": 1}})", "filter 'k'");
  expect_error(
      "{\"id\": \"a\", \"question\": \"x\", \"answerable\": false}\n"
      "{\"id\": \"a\", \"question\": \"y\", \"answerable\": false}",
      "q.jsonl:2: duplicate id");
  EXPECT_TRUE(parse_questions("", "empty.jsonl")->empty());
}

TEST(Retrieval, CountsOverlapsOfGoldRangesAtEachCutOff) {
  testing::TempDir dir;
  dir.write("docs/pro.md", "# Pro\n\nPro storage is 250 GB.\n");
  dir.write("docs/starter.md", "# Starter\n\nStarter storage is 100 GB.\n");
  dir.write("docs/api.md", "# API\n\nThe rate limit is 600 requests per minute.\n");
  auto store = kb::Store::open(dir / "kb.db");
  ASSERT_TRUE(store.ok());
  ingest::IngestOptions options;
  options.config.chunking = {8, 0};  // heading and sentence in separate chunks
  ASSERT_TRUE(ingest::ingest_folder(**store, dir / "docs", options).ok());
  std::vector<LabelledQuestion> qs = {
      {"1", "rate limit requests", {}, {{"api.md", 3, 3}}, {}, true, "fact"},
      {"2", "pro storage", {}, {{"pro.md", 3, 3}}, {}, true, "fact"},
      {"3", "storage", {"product=starter"}, {{"pro.md", 3, 3}}, {}, true, "plan"},  // filtered out
      {"4", "zebra", {}, {{"api.md", 1, 3}}, {}, true, "fact"},
      {"5", "business plan", {}, {}, {}, false, "unanswerable"}};
  auto report = evaluate_retrieval(**store, qs, 5);
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_EQ(report->overall.questions, 4);  // unanswerable ones are not scored
  EXPECT_EQ(report->overall.found_at_1, 2);
  EXPECT_EQ(report->overall.found_at_5, 2);
  EXPECT_DOUBLE_EQ(report->overall.recall_at(report->overall.found_at_5), 0.5);
  EXPECT_DOUBLE_EQ(report->overall.mrr(), 0.5);
  EXPECT_EQ(report->by_type["plan"].questions, 1);
  EXPECT_EQ(report->by_type["plan"].found_at_k, 0);
  ASSERT_EQ(report->misses.size(), 2u);
  EXPECT_EQ(report->misses[0].id, "3");
  EXPECT_FALSE(evaluate_retrieval(**store, qs, 0).ok());
  std::vector<LabelledQuestion> bad = {{"x", "q", {"updated_after=soon"}, {{"a", 1, 1}}, {}, true, ""}};
  auto bad_report = evaluate_retrieval(**store, bad, 5);
  ASSERT_FALSE(bad_report.ok());
  EXPECT_NE(bad_report.message().find("question x"), std::string::npos);
}

}  // namespace
}  // namespace groundline::eval
