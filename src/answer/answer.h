// Grounded answers: a question goes to retrieval, the best chunks become
// numbered sources of numbered lines, an answerer writes sentences that
// cite those lines as [source:first-last], and the verifier keeps only the
// sentences their cited lines support. When too little survives, the answer
// abstains ("not found in the documentation") and asks for a human.
//
// Contract: every sentence in Answer::sentences carries at least one
// citation to lines of a retrieved source, and every number, price,
// version, date, error code and product name in it occurs in those lines.
// Nothing else is ever presented as fact; what was removed is reported in
// Answer::removed with the reason.
//
// ask() is thread-safe as far as its arguments are: one Store per thread,
// and a LanguageModel (which may be shared; see language_model.h).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "kb/store.h"
#include "llm/language_model.h"

namespace groundline::answer {

// One retrieved chunk as the answerer sees it: source `number` (1-based,
// in retrieval order), whole lines of one document version.
struct Source {
  int number = 0;
  int64_t doc_id = 0;
  std::string path;
  std::string title;
  int version = 0;
  int first_line = 0;  // lines first_line..last_line of that version
  int last_line = 0;
  std::vector<std::string> lines;  // lines[i] is line first_line + i
  std::string heading_path;
  double score = 0;                   // retrieval score; higher is better
  std::vector<kb::Tag> tags;          // of the document version
  std::vector<kb::Heading> headings;  // of the version, up to last_line

  bool has_line(int line) const { return line >= first_line && line <= last_line; }
  std::string_view line(int n) const { return lines[n - first_line]; }
};

// A sentence's reference to lines of one source, resolved to the document.
struct Citation {
  int source = 0;
  int first_line = 0;
  int last_line = 0;
  // Filled by the verifier for a citation that resolves:
  int64_t doc_id = 0;
  std::string path;
  std::string title;
  int version = 0;
  std::string quote;  // the cited lines, joined by '\n'
};

struct AnswerSentence {
  std::string text;  // without its citation marks
  std::vector<Citation> citations;
};

struct RemovedSentence {
  std::string text;
  std::vector<Citation> citations;
  std::string
      reason;  // "no citation", "cites lines outside the sources", "\"$99\" is not in the cited lines", ...
};

// Milliseconds per stage; tokens only when a model ran.
struct Latency {
  double retrieve_ms = 0;
  double generate_ms = 0;
  double verify_ms = 0;
  double self_check_ms = 0;  // of verify_ms: the model's second pass, when asked for
  double total_ms = 0;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  double ms_per_token = 0;  // of the completion
};

struct Answer {
  std::string question;
  std::string text;  // the sentences, each followed by its citation marks; or the abstention message
  std::vector<AnswerSentence> sentences;
  std::vector<RemovedSentence> removed;
  bool grounded = false;   // at least one supported sentence answers
  bool abstained = false;  // nothing supported answers: text says so
  bool needs_human = false;
  std::string abstain_reason;
  // Set when the self-check was asked for but its reply could not be read:
  // the verified sentences stay, and the answer is marked for a human.
  std::string self_check_error;
  double confidence = 0;  // 0..1
  std::vector<Source> sources;
  std::string answerer;  // "extractive", or the model's id()
  Latency latency;
};

struct AskOptions {
  std::vector<kb::TagFilter> filters;
  int sources = 5;  // chunks retrieved and shown to the answerer
  // nullptr: the extractive answerer. Borrowed.
  llm::LanguageModel* model = nullptr;
  int max_tokens = 512;
  double temperature = 0;
  // A second pass asks a model whether each kept sentence follows from its
  // quote, and removes those it denies: `checker` when given (so that
  // extractive answers can be checked too), else `model`. Borrowed.
  bool self_check = false;
  llm::LanguageModel* checker = nullptr;
  // Streams the model's raw text as it is generated (before verification).
  std::function<bool(std::string_view piece)> on_text;
};

// Answers `question` from the knowledge base. Errors are for a store that
// cannot be read or a model that fails; an unanswerable question is not an
// error but an abstaining Answer.
Result<Answer> ask(kb::Store& store, std::string_view question, const AskOptions& options = {});

// The answer object as the CLI's --json and the HTTP API return it:
// {"question", "text", "grounded", "abstained", "needs_human",
//  "abstain_reason", "self_check_error", "confidence", "answerer",
//  "sentences": [{"text", "citations": [{"source", "doc_id", "path",
//      "title", "version", "first_line", "last_line", "quote"}]}],
//  "removed": [{"text", "reason", "citations": [...]}],
//  "sources": [{"number", "doc_id", "path", "title", "version",
//      "first_line", "last_line", "heading_path", "score"}],
//  "latency": {"retrieve_ms", "generate_ms", "verify_ms", "self_check_ms", "total_ms",
//      "prompt_tokens", "completion_tokens", "ms_per_token"}}
nlohmann::json to_json(const Answer& answer);

// The message of an abstaining answer.
inline constexpr std::string_view kNotFound =
    "I could not find this in the documentation. A support agent will follow up.";

}  // namespace groundline::answer
