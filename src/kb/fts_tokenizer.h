// The FTS5 tokenizer "groundline": the index terms of core/words.h (words,
// lowercased, Snowball-stemmed, stop words dropped), so that the full-text
// index, queries and every other part of groundline agree on what a term is.
// Must be registered on each connection before the index is used.
#pragma once

#include <sqlite3.h>

#include "core/result.h"

namespace groundline::kb {

inline constexpr const char* kTokenizerName = "groundline";

Status register_fts_tokenizer(sqlite3* db);

}  // namespace groundline::kb
