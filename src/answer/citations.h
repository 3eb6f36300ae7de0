// Citation marks as answerers write them: [3:12-14] is source 3, lines 12
// to 14; [3:12] one line; one bracket may hold several, separated by ',' or
// ';', and a later one may leave out its source ([3:12-14, 20] is lines
// 12-14 and line 20 of source 3). Anything else in brackets is text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "answer/answer.h"

namespace groundline::answer {

// A sentence of an answerer's reply with its citation marks taken out.
struct DraftSentence {
  std::string text;
  std::vector<Citation> citations;  // source and lines only, in order, without repeats
};

// The citations of one bracket group starting at text[pos] == '['; sets
// `end` past the ']'. Empty when the bracket is not a citation group.
std::vector<Citation> parse_citation_group(std::string_view text, size_t pos, size_t& end);

// Splits a reply into sentences and gives each the citations written in it
// or right after it (before the next sentence starts). List markers and
// Markdown emphasis are dropped; blank and citation-only lines join the
// sentence before them.
std::vector<DraftSentence> parse_reply(std::string_view reply);

// "[3:12-14]" or "[3:12-14][4:2]".
std::string format_citations(const std::vector<Citation>& citations);

}  // namespace groundline::answer
