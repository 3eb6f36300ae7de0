// A thin RAII layer over the SQLite C API: a connection and prepared
// statements with typed binds and columns. Errors come back as Status with
// SQLite's message. Not thread-safe: one Connection per thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace groundline::kb {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&& other) noexcept;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_blob(int index, std::string_view bytes);
  // Binds without a copy: the text must stay alive and unchanged until the
  // statement is reset (as in one `stmt.bind(...).run()` expression).
  Statement& bind_view(int index, std::string_view value);
  Statement& bind_null(int index);

  // True while a row is available; false at the end. Errors end iteration and
  // are kept in status().
  bool step();
  // Runs to completion and resets; returns the outcome.
  Status run();
  // Ready to run again: clears the bindings and the kept status.
  void reset();

  int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  double column_double(int i) const { return sqlite3_column_double(stmt_, i); }
  std::string column_text(int i) const;
  std::string_view column_view(int i) const;
  bool column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

  const Status& status() const { return status_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  Status status_;
};

class Connection {
 public:
  static Result<Connection> open(const std::string& path, bool read_only);
  Connection() = default;
  ~Connection();
  Connection(Connection&& other) noexcept : db_(other.db_), cache_(std::move(other.cache_)) {
    other.db_ = nullptr;
  }
  Connection& operator=(Connection&& other) noexcept;

  Result<Statement> prepare(std::string_view sql);
  // A statement prepared once per connection and kept, for the ones that run
  // for every document or list; reset, ready to bind. Valid until the
  // connection closes; do not hold it across another use of the same SQL.
  Result<Statement*> cached(const std::string& sql);
  Status exec(std::string_view sql);
  // Bytes [offset, offset + size) of a text or blob value, read without
  // loading the rest of it.
  Result<std::string> read_range(const char* table, const char* column, int64_t rowid, size_t offset,
                                 size_t size);
  int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* handle() const { return db_; }
  std::string last_error() const { return sqlite3_errmsg(db_); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  void close();
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

}  // namespace groundline::kb
