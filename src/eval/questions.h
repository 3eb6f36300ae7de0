// Labelled question sets (JSON Lines), shared by every evaluation:
//   {"id": "q001", "question": "...", "filters": {"product": "pro"},
//    "gold": [{"doc": "plans/pro.md", "first_line": 12, "last_line": 14}],
//    "answer_facts": ["250 GB"], "answer": "Pro has 250 GB of storage.",
//    "answerable": true, "type": "plan"}
// `filters` values may be a text or a list of texts; `type` and `answer`
// (a reference answer, scored by token F1) are optional.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace groundline::eval {

struct GoldRange {
  std::string doc;  // path in the knowledge base
  int first_line = 0;
  int last_line = 0;
};

struct LabelledQuestion {
  std::string id;
  std::string question;
  std::vector<std::string> filters;  // "key=value", as the CLI takes them
  std::vector<GoldRange> gold;
  std::vector<std::string> answer_facts;
  bool answerable = true;
  std::string type;
  std::string reference_answer;  // "answer" in the file
};

// Errors name the file, the line and the field. These fail on the first
// bad line.
Result<std::vector<LabelledQuestion>> parse_questions(std::string_view jsonl, const std::string& file_name);
Result<std::vector<LabelledQuestion>> load_questions(const std::string& path);

// The same, skipping bad lines: each is reported in `skipped`, as
// "FILE:LINE: reason". A file that cannot be read still fails.
struct QuestionSet {
  std::vector<LabelledQuestion> questions;
  std::vector<std::string> skipped;
};
QuestionSet parse_question_set(std::string_view jsonl, const std::string& file_name);
Result<QuestionSet> load_question_set(const std::string& path);

// One question as a line of the same JSON Lines format (no newline).
std::string question_to_jsonl(const LabelledQuestion& q);

}  // namespace groundline::eval
