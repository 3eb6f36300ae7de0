// The extractive answerer: no model. It splits the sources into answer
// units (sentences of prose and list items, table rows with their header),
// scores each against the question, and returns the best few, quoted
// with their citations:
//   - coverage: the share of the question's term weight (IDF) that the unit
//     holds, its section headings counting half;
//   - error codes the question names, found in the unit;
//   - product or plan names the question names: the unit or its page is
//     about them (a table row shows only their column);
//   - a number, when the question asks for one (how much, how long, the
//     limit, the price, when);
//   - a small prior for the retrieval rank.
// Units that repeat an already chosen one are skipped. A question that asks
// how to do something, answered from an item of a numbered list, gets the
// whole list: the steps, in order. When no unit covers
// enough of the question the answerer gives no sentences, and the answer
// abstains.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "answer/answer.h"
#include "answer/citations.h"

namespace groundline::answer {

// A question's index terms and how much each one says (IDF in the
// knowledge base; a term no chunk holds weighs most).
struct WeightedTerm {
  std::string term;
  double weight = 1;
};

struct ExtractiveOptions {
  std::vector<std::string> products;  // configured product names ("Pro")
  int max_sentences = 3;
  int max_steps = 10;
  // A unit must cover this share of the question's term weight to be said.
  double min_coverage = 0.3;
  // Further units must score at least this share of the best one's score.
  double keep_ratio = 0.75;
};

// A unit the answerer may say, with the lines it cites.
struct AnswerUnit {
  size_t source = 0;  // index in the sources
  int first_line = 0, last_line = 0;
  int header_line = 0;  // of a table row: the table's header line
  std::string text;     // as shown: Markdown removed; a table row with its column names
  std::vector<std::string> cells, header_cells;  // of a table row
  int step_list = 0;  // of an item of a numbered list: the list's number in its source (from 1)
};

// The units of one source, in line order.
std::vector<AnswerUnit> answer_units(const Source& source, size_t source_index);

struct ExtractiveResult {
  std::vector<DraftSentence> sentences;  // best first; empty to abstain
  double coverage = 0;                   // of the best unit
  double confidence = 0;                 // 0..1
};

ExtractiveResult answer_extractively(std::string_view question, const std::vector<WeightedTerm>& terms,
                                     const std::vector<Source>& sources, const ExtractiveOptions& options);

// Markdown inline markup removed: [text](url) -> text, emphasis and code
// marks, images.
std::string plain_text(std::string_view markdown);

}  // namespace groundline::answer
