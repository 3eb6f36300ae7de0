#include "kb/sqlite.h"

#include <utility>

namespace groundline::kb {

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_view(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = make_error(std::string("SQLite: ") + sqlite3_errmsg(db_));
  return false;
}

Status Statement::run() {
  status_ = {};
  while (step()) {
  }
  Status outcome = status_;
  reset();
  return outcome;
}

void Statement::reset() {
  status_ = {};
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::column_text(int i) const {
  return std::string(column_view(i));
}

std::string_view Statement::column_view(int i) const {
  auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
  if (!text) return {};
  return std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, i)));
}

Result<Connection> Connection::open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return make_error(path + ": cannot open knowledge base: " + message);
  }
  sqlite3_busy_timeout(db, 5000);
  return Connection(db);
}

Connection::~Connection() {
  close();
}

void Connection::close() {
  cache_.clear();  // statements are finalized before their connection
  sqlite3_close(db_);
  db_ = nullptr;
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::exchange(other.db_, nullptr);
    cache_ = std::move(other.cache_);
  }
  return *this;
}

Result<Statement*> Connection::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    GL_ASSIGN_OR_RETURN(auto stmt, prepare(sql));
    it = cache_.emplace(sql, std::make_unique<Statement>(std::move(stmt))).first;
  }
  it->second->reset();
  return it->second.get();
}

Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return make_error(std::string("SQLite: ") + sqlite3_errmsg(db_));
  return Statement(db_, stmt);
}

Result<std::string> Connection::read_range(const char* table, const char* column, int64_t rowid,
                                           size_t offset, size_t size) {
  sqlite3_blob* blob = nullptr;
  if (sqlite3_blob_open(db_, "main", table, column, rowid, 0, &blob) != SQLITE_OK) {
    sqlite3_blob_close(blob);
    return make_error(std::string("SQLite: ") + sqlite3_errmsg(db_));
  }
  std::unique_ptr<sqlite3_blob, decltype(&sqlite3_blob_close)> owned(blob, &sqlite3_blob_close);
  auto total = static_cast<size_t>(sqlite3_blob_bytes(blob));
  if (offset > total || size > total - offset)
    return make_error(std::string(table) + "." + column + " of row " + std::to_string(rowid) +
                      " is shorter than the range asked for");
  std::string out(size, '\0');
  if (size > 0 &&
      sqlite3_blob_read(blob, out.data(), static_cast<int>(size), static_cast<int>(offset)) != SQLITE_OK)
    return make_error(std::string("SQLite: ") + sqlite3_errmsg(db_));
  return out;
}

Status Connection::exec(std::string_view sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return make_error("SQLite: " + text);
  }
  return {};
}

}  // namespace groundline::kb
