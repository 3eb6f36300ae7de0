// Lexical retrieval: a question in plain words, metadata filters, and the
// k best chunks that pass the filters, ranked by BM25 over the chunk text,
// its headings (boosted) and the error codes it mentions (boosted most).
// Filters apply before ranking, so top-k means k matching chunks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "kb/store.h"

namespace groundline::retrieve {

// Parses "key=value" filters as a user types them:
//   product=pro           chunks tagged product=pro (or product=all)
//   product=pro,starter   either value; repeating a key also means either
//   category=billing      different keys must all hold
//   updated_after=DATE    updated strictly after DATE (YYYY-MM-DD);
//   updated_before=DATE   strictly before; updated_since / updated_until
//                         (or since / until) include the day itself
// Keys and values are case-insensitive (codes compare in upper case).
// An error names the filter that is wrong.
Result<std::vector<kb::TagFilter>> parse_filters(const std::vector<std::string>& specs);

// The FTS5 expression for a question: its distinct words without stop
// words, each quoted so that no user text is read as query syntax, joined
// by OR. Empty when the question has no word worth searching for.
std::string match_expression(std::string_view question);

struct SearchOptions {
  std::vector<kb::TagFilter> filters;
  int k = 10;
  kb::RankWeights weights;
};

struct Hit {
  int64_t chunk_id = 0;
  int64_t doc_id = 0;
  std::string path;
  std::string title;
  int version = 0;
  int first_line = 0;
  int last_line = 0;
  std::string heading_path;
  std::vector<kb::Tag> tags;
  std::vector<std::string> codes;
  double score = 0;  // higher is better; comparable within one search
  std::string text;
};

// The best chunks for `question`, best first. A question without words
// gives no hits.
Result<std::vector<Hit>> search(kb::Store& store, std::string_view question,
                                const SearchOptions& options);

}  // namespace groundline::retrieve
