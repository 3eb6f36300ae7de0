// The citation verifier, applied to every answerer's sentences: a sentence
// is kept only when each of its citations points at lines a retrieved
// source holds and those lines state every checkable fact in it:
//   numbers, versions and error codes (any word with a digit: 25, 4.3.0,
//   E402, 1,000 = 1000), prices ($18 needs "$18"), quantities with a unit
//   (25 GB needs "25 GB" or "25GB"; 30 days needs "30 days" or "30-day"),
//   months next to a number (dates), product names from the knowledge
//   base's settings, plan names ("the Business plan"), and quoted text.
// A sentence that shares almost no words with its cited lines is removed
// too: the citation does not support it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "answer/answer.h"
#include "answer/citations.h"

namespace groundline::answer {

struct VerifyOptions {
  std::vector<std::string> products;  // product names as written in the docs: "Pro"
  // The least share of a sentence's content words (when it has at least
  // four) that its cited lines must contain.
  double min_word_overlap = 0.3;
};

// The first fact of `sentence` that `cited` does not state, described for a
// person ("\"25 TB\" is not in the cited lines"); nullopt when every one is
// there.
std::optional<std::string> missing_fact(std::string_view sentence, std::string_view cited,
                                        const VerifyOptions& options);

struct Verified {
  std::vector<AnswerSentence> kept;
  std::vector<RemovedSentence> removed;
};

// Resolves each draft's citations against `sources` (document, version and
// quote) and sorts the drafts into kept and removed, in order.
Verified verify(const std::vector<DraftSentence>& drafts, const std::vector<Source>& sources,
                const VerifyOptions& options);

}  // namespace groundline::answer
