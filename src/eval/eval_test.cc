#include <gtest/gtest.h>

#include "eval/questions.h"
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

TEST(Questions, WriteAndReadBackTheSameQuestion) {
  LabelledQuestion q;
  q.id = "s1";
  q.question = "Who wrote \"Tom\"?\nA line break.";
  q.filters = {"category=billing", "category=admin", "product=pro"};
  q.gold = {{"a/b.md", 3, 5}};
  q.answer_facts = {"Mark Twain"};
  q.reference_answer = "Mark Twain wrote it.";
  q.type = "squad";
  std::string line = question_to_jsonl(q);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = parse_questions(line, "x.jsonl");
  ASSERT_TRUE(back.ok()) << back.message();
  ASSERT_EQ(back->size(), 1u);
  const auto& r = (*back)[0];
  EXPECT_EQ(r.question, q.question);
  EXPECT_EQ(r.filters, q.filters);
  EXPECT_EQ(r.gold[0].last_line, 5);
  EXPECT_EQ(r.answer_facts, q.answer_facts);
  EXPECT_EQ(r.reference_answer, q.reference_answer);
  EXPECT_EQ(r.type, "squad");
  EXPECT_TRUE(r.answerable);
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

TEST(Questions, BadLinesAreSkippedWithTheirLineNumbers) {
  auto set = parse_question_set(
      "{\"id\": \"a\", \"question\": \"x\", \"answerable\": false}\n"
      "{broken\n"
      "\n"
      "{\"id\": \"b\", \"question\": 5}\n"
      "{\"id\": \"a\", \"question\": \"again\", \"answerable\": false}\n"
      "{\"id\": \"c\", \"question\": \"y\", \"answerable\": false}",
      "q.jsonl");
  ASSERT_EQ(set.questions.size(), 2u);
  EXPECT_EQ(set.questions[1].id, "c");
  ASSERT_EQ(set.skipped.size(), 3u);
  EXPECT_EQ(set.skipped[0], "q.jsonl:2: not valid JSON");
  EXPECT_EQ(set.skipped[1], "q.jsonl:4: field 'question' must be text");
  EXPECT_EQ(set.skipped[2], "q.jsonl:5: duplicate id 'a'");
  EXPECT_FALSE(load_question_set("/no/such/file.jsonl").ok());
}

}  // namespace
}  // namespace groundline::eval
