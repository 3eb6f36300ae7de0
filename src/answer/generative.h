// Answers written by a language model: the prompt shows the sources as
// numbered lines and requires every sentence to end with its citation and
// to copy figures and names exactly; the reply is parsed into sentences
// with citations for the verifier. The optional self-check asks the model,
// with a JSON-constrained reply, which kept sentences their quoted lines
// really state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "answer/answer.h"
#include "answer/citations.h"
#include "llm/language_model.h"

namespace groundline::answer {

// What the model is told to reply when the sources do not answer.
inline constexpr std::string_view kModelNotFound = "NOT FOUND";

std::vector<llm::ChatMessage> answer_prompt(std::string_view question, const std::vector<Source>& sources);

struct ModelDraft {
  std::vector<DraftSentence> sentences;
  bool said_not_found = false;
  llm::Completion completion;
};

Result<ModelDraft> draft_with_model(llm::LanguageModel& model, std::string_view question,
                                    const std::vector<Source>& sources, const AskOptions& options);

// The kept sentences the model, shown each one with its quote, says are
// not stated there; their indexes.
Result<std::vector<size_t>> self_check(llm::LanguageModel& model,
                                       const std::vector<AnswerSentence>& sentences);

}  // namespace groundline::answer
