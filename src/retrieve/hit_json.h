// The JSON shape of search results, shared by `groundline search --json`
// and the HTTP API's POST /v1/search so that both return the same fields.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "kb/document.h"
#include "retrieve/search.h"

namespace groundline::retrieve {

// {"category": ["billing"], "product": ["pro", "starter"]}: each key once,
// its values in the order given.
nlohmann::json tags_json(const std::vector<kb::Tag>& tags);

// {"doc", "title", "version", "first_line", "last_line", "heading_path",
//  "tags", "score", "chunk_id", "text"}
nlohmann::json hit_json(const Hit& hit);

// {"query", "filters" (as given), "k", "hits": [hit_json...]}
nlohmann::json search_json(std::string_view query, const std::vector<std::string>& filters, int k,
                           const std::vector<Hit>& hits);

}  // namespace groundline::retrieve
