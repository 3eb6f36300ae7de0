#include "kb/fts_tokenizer.h"

#include <string>

#include "core/words.h"

namespace groundline::kb {

namespace {

// FTS5 wants an object per tokenizer instance; ours has no state.
struct Instance {};

int create(void*, const char**, int, Fts5Tokenizer** out) {
  *out = reinterpret_cast<Fts5Tokenizer*>(new Instance);
  return SQLITE_OK;
}

void destroy(Fts5Tokenizer* tokenizer) { delete reinterpret_cast<Instance*>(tokenizer); }

int tokenize(Fts5Tokenizer*, void* context, int, const char* text, int length,
             int (*emit)(void*, int, const char*, int, int, int)) {
  int rc = SQLITE_OK;
  core::for_each_word(std::string_view(text, static_cast<size_t>(length)),
                      [&](std::string_view word, size_t begin, size_t end) {
                        if (rc != SQLITE_OK) return;
                        std::string term = core::index_term(word);
                        if (term.empty()) return;
                        rc = emit(context, 0, term.data(), static_cast<int>(term.size()),
                                  static_cast<int>(begin), static_cast<int>(end));
                      });
  return rc;
}

fts5_api* fts5_api_of(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, &api, "fts5_api_ptr", nullptr);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  return api;
}

}  // namespace

Status register_fts_tokenizer(sqlite3* db) {
  fts5_api* api = fts5_api_of(db);
  if (!api) return make_error("SQLite was built without FTS5");
  static fts5_tokenizer tokenizer{create, destroy, tokenize};
  if (api->xCreateTokenizer(api, kTokenizerName, nullptr, &tokenizer, nullptr) != SQLITE_OK)
    return make_error("cannot register the FTS5 tokenizer");
  return {};
}

}  // namespace groundline::kb
