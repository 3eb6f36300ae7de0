// Lexical retrieval: a question in plain words, metadata filters, and the
// k best chunks that pass the filters, ranked by BM25F over the chunk text,
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

// The index terms of a question: its distinct words, stemmed, without
// stop words, at most 64 (a pasted log should not cost a scan of every
// list). Empty when no word is worth searching for.
std::vector<std::string> query_terms(std::string_view question);

// The product names of the settings the knowledge base was built with
// ("Pro", as written in the docs); none when it has no settings.
std::vector<std::string> configured_products(kb::Store& store);

// BM25F: each field's term count is normalised by the field's length,
// weighted, summed, then saturated once per term. Headings hold the
// document title and the section headings over the chunk; codes hold the
// error codes the chunk mentions, so an exact code or section name in the
// question lifts the chunk that is about it.
struct RankWeights {
  double text = 1.0;
  double headings = 2.0;
  double codes = 4.0;
  double k1 = 1.2;
  double b = 0.75;  // length normalisation of text and headings
  // A question that names a product (from the ingest settings' product
  // list, e.g. "on Pro, ...") lifts the chunks tagged with that product by
  // this fraction; pages for every plan ("all") are not lifted.
  double product_boost = 0.3;
};

struct SearchOptions {
  std::vector<kb::TagFilter> filters;
  int k = 10;
  RankWeights weights;
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
Result<std::vector<Hit>> search(kb::Store& store, std::string_view question, const SearchOptions& options);

}  // namespace groundline::retrieve
