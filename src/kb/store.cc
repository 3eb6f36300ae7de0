#include "kb/store.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <ctime>
#include <map>

#include "kb/fts_tokenizer.h"

namespace groundline::kb {

namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  current_version INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  index_config TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions(
  doc_id INTEGER NOT NULL REFERENCES documents(id),
  version INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  title TEXT NOT NULL,
  ingested_at TEXT NOT NULL,
  line_count INTEGER NOT NULL,
  lines TEXT NOT NULL,
  headings TEXT NOT NULL,
  tags TEXT NOT NULL,
  PRIMARY KEY(doc_id, version));
CREATE TABLE IF NOT EXISTS chunks(
  id INTEGER PRIMARY KEY,
  doc_id INTEGER NOT NULL REFERENCES documents(id),
  version INTEGER NOT NULL,
  first_line INTEGER NOT NULL,
  last_line INTEGER NOT NULL,
  token_count INTEGER NOT NULL,
  heading_path TEXT NOT NULL,
  text TEXT NOT NULL,
  headings TEXT NOT NULL,
  codes TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS chunk_tags(
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  chunk_id INTEGER NOT NULL,
  PRIMARY KEY(key, value, chunk_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunk_tags_by_chunk ON chunk_tags(chunk_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
  text, headings, codes, content='chunks', content_rowid='id', tokenize='groundline');
)sql";

std::string now_utc() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out.push_back('\n');
    out += lines[i];
  }
  return out;
}

std::vector<std::string> split_stored_lines(std::string_view text, int count) {
  std::vector<std::string> lines;
  lines.reserve(static_cast<size_t>(count));
  size_t start = 0;
  for (int i = 0; i < count; ++i) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string headings_json(const std::vector<Heading>& headings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : headings) out.push_back({h.line, h.level, h.text});
  return out.dump();
}

std::vector<Heading> parse_headings(std::string_view text) {
  std::vector<Heading> headings;
  for (const auto& h : nlohmann::json::parse(text))
    headings.push_back({h[0].get<int>(), h[1].get<int>(), h[2].get<std::string>()});
  return headings;
}

std::string tags_json(const std::vector<Tag>& tags) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : tags) out.push_back({t.key, t.value});
  return out.dump();
}

std::vector<Tag> parse_tags(std::string_view text) {
  std::vector<Tag> tags;
  for (const auto& t : nlohmann::json::parse(text))
    tags.push_back({t[0].get<std::string>(), t[1].get<std::string>()});
  return tags;
}

std::string join_codes(const std::vector<std::string>& codes) {
  std::string out;
  for (const auto& c : codes) {
    if (!out.empty()) out.push_back(' ');
    out += c;
  }
  return out;
}

std::vector<std::string> split_codes(std::string_view text) {
  std::vector<std::string> codes;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) codes.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return codes;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

constexpr const char* kDocumentColumns =
    "SELECT d.id, d.path, d.kind, d.current_version, d.deleted, d.size, d.mtime_ns, "
    "d.index_config, v.title, v.content_hash, v.line_count, v.tags, "
    "(SELECT count(*) FROM versions WHERE doc_id = d.id), "
    "(SELECT count(*) FROM chunks WHERE doc_id = d.id) "
    "FROM documents d JOIN versions v ON v.doc_id = d.id AND v.version = d.current_version ";

DocumentRecord read_document(const Statement& s) {
  DocumentRecord d;
  d.id = s.column_int(0);
  d.path = s.column_text(1);
  d.kind = s.column_text(2);
  d.current_version = static_cast<int>(s.column_int(3));
  d.deleted = s.column_int(4) != 0;
  d.size = s.column_int(5);
  d.mtime_ns = s.column_int(6);
  d.index_config = s.column_text(7);
  d.title = s.column_text(8);
  d.content_hash = s.column_text(9);
  d.line_count = static_cast<int>(s.column_int(10));
  d.tags = parse_tags(s.column_view(11));
  d.version_count = static_cast<int>(s.column_int(12));
  d.chunk_count = static_cast<int>(s.column_int(13));
  return d;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path, bool read_only) {
  GL_ASSIGN_OR_RETURN(Connection db, Connection::open(path, read_only));
  GL_TRY(register_fts_tokenizer(db.handle()));
  std::unique_ptr<Store> store(new Store(std::move(db)));
  if (!read_only) {
    GL_TRY(store->db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
    GL_TRY(store->create_schema());
  }
  auto version = store->meta("schema_version");
  if (!version) return make_error(path + ": not a groundline knowledge base");
  if (*version != std::to_string(kSchemaVersion))
    return make_error(path + ": knowledge base schema version " + *version +
                      " is not supported (expected " + std::to_string(kSchemaVersion) + ")");
  return store;
}

Status Store::create_schema() {
  GL_TRY(db_.exec("BEGIN IMMEDIATE"));
  auto status = db_.exec(kSchema);
  if (status.ok() && !meta("schema_version"))
    status = set_meta("schema_version", std::to_string(kSchemaVersion));
  if (!status.ok()) {
    db_.exec("ROLLBACK");
    return make_error("cannot create the knowledge base: " + status.message());
  }
  return db_.exec("COMMIT");
}

Status Store::begin_batch() { return db_.exec("BEGIN IMMEDIATE"); }
Status Store::commit_batch() { return db_.exec("COMMIT"); }
void Store::rollback_batch() { db_.exec("ROLLBACK"); }

std::optional<std::string> Store::meta(const std::string& key) {
  auto stmt = db_.prepare("SELECT value FROM meta WHERE key = ?1");
  if (!stmt.ok()) return std::nullopt;
  stmt->bind(1, key);
  if (!stmt->step()) return std::nullopt;
  return stmt->column_text(0);
}

Status Store::set_meta(const std::string& key, const std::string& value) {
  GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare("INSERT INTO meta(key, value) VALUES(?1, ?2) "
                                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  return stmt.bind(1, key).bind(2, value).run();
}

Result<std::vector<DocumentRecord>> Store::documents() {
  GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare(std::string(kDocumentColumns) + "ORDER BY d.path"));
  std::vector<DocumentRecord> out;
  while (stmt.step()) out.push_back(read_document(stmt));
  GL_TRY(stmt.status());
  return out;
}

Result<DocumentRecord> Store::document(const std::string& path_or_id) {
  bool by_id = all_digits(path_or_id);
  GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare(std::string(kDocumentColumns) +
                                             (by_id ? "WHERE d.id = ?1" : "WHERE d.path = ?1")));
  int64_t id = 0;
  if (by_id && std::from_chars(path_or_id.data(), path_or_id.data() + path_or_id.size(), id).ec ==
                   std::errc())
    stmt.bind(1, id);
  else
    stmt.bind(1, path_or_id);
  if (!stmt.step()) {
    GL_TRY(stmt.status());
    return make_error("no document " + path_or_id + " in the knowledge base");
  }
  return read_document(stmt);
}

Result<int> Store::save_document(const DocumentVersion& doc, const std::vector<Chunk>& chunks,
                                 const std::string& index_config) {
  auto existing = document(doc.path);
  int64_t doc_id = 0;
  int version = 1;
  bool new_version = true;
  if (existing.ok()) {
    doc_id = existing->id;
    new_version = existing->content_hash != doc.content_hash;
    version = existing->current_version + (new_version ? 1 : 0);
    GL_ASSIGN_OR_RETURN(auto update,
                        db_.prepare("UPDATE documents SET kind = ?2, current_version = ?3, "
                                    "deleted = 0, size = ?4, mtime_ns = ?5, index_config = ?6 "
                                    "WHERE id = ?1"));
    GL_TRY(update.bind(1, doc_id).bind(2, doc.kind).bind(3, version).bind(4, doc.size)
               .bind(5, doc.mtime_ns).bind(6, index_config).run());
    GL_TRY(delete_chunks(doc_id));
  } else {
    GL_ASSIGN_OR_RETURN(auto insert,
                        db_.prepare("INSERT INTO documents(path, kind, current_version, size, "
                                    "mtime_ns, index_config) VALUES(?1, ?2, 1, ?3, ?4, ?5)"));
    GL_TRY(insert.bind(1, doc.path).bind(2, doc.kind).bind(3, doc.size).bind(4, doc.mtime_ns)
               .bind(5, index_config).run());
    doc_id = db_.last_insert_id();
  }
  // An unchanged version keeps its lines (they are the same) but takes the
  // newly extracted title and tags.
  GL_ASSIGN_OR_RETURN(auto put_version,
                      db_.prepare("INSERT INTO versions(doc_id, version, content_hash, title, "
                                  "ingested_at, line_count, lines, headings, tags) "
                                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                                  "ON CONFLICT(doc_id, version) DO UPDATE SET title = excluded.title, "
                                  "headings = excluded.headings, tags = excluded.tags"));
  GL_TRY(put_version.bind(1, doc_id).bind(2, version).bind(3, doc.content_hash).bind(4, doc.title)
             .bind(5, now_utc()).bind(6, static_cast<int64_t>(doc.lines.size()))
             .bind(7, join_lines(doc.lines)).bind(8, headings_json(doc.headings))
             .bind(9, tags_json(doc.tags)).run());
  GL_TRY(insert_chunks(doc_id, version, chunks));
  return version;
}

Status Store::delete_chunks(int64_t doc_id) {
  GL_ASSIGN_OR_RETURN(auto unindex,
                      db_.prepare("INSERT INTO chunks_fts(chunks_fts, rowid, text, headings, codes) "
                                  "SELECT 'delete', id, text, headings, codes FROM chunks "
                                  "WHERE doc_id = ?1"));
  GL_TRY(unindex.bind(1, doc_id).run());
  GL_ASSIGN_OR_RETURN(auto untag, db_.prepare("DELETE FROM chunk_tags WHERE chunk_id IN "
                                              "(SELECT id FROM chunks WHERE doc_id = ?1)"));
  GL_TRY(untag.bind(1, doc_id).run());
  GL_ASSIGN_OR_RETURN(auto remove, db_.prepare("DELETE FROM chunks WHERE doc_id = ?1"));
  return remove.bind(1, doc_id).run();
}

Status Store::insert_chunks(int64_t doc_id, int version, const std::vector<Chunk>& chunks) {
  GL_ASSIGN_OR_RETURN(auto insert,
                      db_.prepare("INSERT INTO chunks(doc_id, version, first_line, last_line, "
                                  "token_count, heading_path, text, headings, codes) "
                                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  GL_ASSIGN_OR_RETURN(auto index, db_.prepare("INSERT INTO chunks_fts(rowid, text, headings, codes) "
                                              "VALUES(?1, ?2, ?3, ?4)"));
  GL_ASSIGN_OR_RETURN(auto tag, db_.prepare("INSERT OR IGNORE INTO chunk_tags(key, value, chunk_id) "
                                            "VALUES(?1, ?2, ?3)"));
  for (const auto& c : chunks) {
    std::string codes = join_codes(c.codes);
    GL_TRY(insert.bind(1, doc_id).bind(2, version).bind(3, c.first_line).bind(4, c.last_line)
               .bind(5, c.token_count).bind(6, c.heading_path).bind(7, c.text).bind(8, c.headings)
               .bind(9, codes).run());
    int64_t id = db_.last_insert_id();
    GL_TRY(index.bind(1, id).bind(2, c.text).bind(3, c.headings).bind(4, codes).run());
    for (const auto& t : c.tags) GL_TRY(tag.bind(1, t.key).bind(2, t.value).bind(3, id).run());
  }
  return {};
}

Status Store::touch_document(int64_t doc_id, int64_t size, int64_t mtime_ns) {
  GL_ASSIGN_OR_RETURN(auto stmt,
                      db_.prepare("UPDATE documents SET size = ?2, mtime_ns = ?3 WHERE id = ?1"));
  return stmt.bind(1, doc_id).bind(2, size).bind(3, mtime_ns).run();
}

Status Store::mark_deleted(int64_t doc_id) {
  GL_TRY(delete_chunks(doc_id));
  GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare("UPDATE documents SET deleted = 1 WHERE id = ?1"));
  return stmt.bind(1, doc_id).run();
}

Result<VersionText> Store::version_text(int64_t doc_id, int version) {
  GL_ASSIGN_OR_RETURN(auto stmt,
                      db_.prepare("SELECT d.path, v.version, v.title, v.line_count, v.lines, "
                                  "v.headings, v.tags FROM documents d JOIN versions v "
                                  "ON v.doc_id = d.id AND v.version = "
                                  "(CASE WHEN ?2 = 0 THEN d.current_version ELSE ?2 END) "
                                  "WHERE d.id = ?1"));
  stmt.bind(1, doc_id).bind(2, version);
  if (!stmt.step()) {
    GL_TRY(stmt.status());
    return make_error("document " + std::to_string(doc_id) + " has no version " +
                      std::to_string(version));
  }
  VersionText out;
  out.doc_id = doc_id;
  out.path = stmt.column_text(0);
  out.version = static_cast<int>(stmt.column_int(1));
  out.title = stmt.column_text(2);
  out.lines = split_stored_lines(stmt.column_view(4), static_cast<int>(stmt.column_int(3)));
  out.headings = parse_headings(stmt.column_view(5));
  out.tags = parse_tags(stmt.column_view(6));
  return out;
}

Result<std::vector<Tag>> Store::chunk_tags(int64_t chunk_id) {
  GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare("SELECT key, value FROM chunk_tags WHERE chunk_id = ?1 "
                                             "ORDER BY key, value"));
  stmt.bind(1, chunk_id);
  std::vector<Tag> tags;
  while (stmt.step()) tags.push_back({stmt.column_text(0), stmt.column_text(1)});
  GL_TRY(stmt.status());
  return tags;
}

namespace {
constexpr const char* kChunkColumns =
    "SELECT c.id, c.doc_id, d.path, v.title, c.version, c.first_line, c.last_line, "
    "c.token_count, c.heading_path, c.text, c.headings, c.codes FROM chunks c "
    "JOIN documents d ON d.id = c.doc_id "
    "JOIN versions v ON v.doc_id = c.doc_id AND v.version = c.version ";

ChunkRecord read_chunk(const Statement& s) {
  ChunkRecord r;
  r.id = s.column_int(0);
  r.doc_id = s.column_int(1);
  r.path = s.column_text(2);
  r.title = s.column_text(3);
  r.version = static_cast<int>(s.column_int(4));
  r.chunk.first_line = static_cast<int>(s.column_int(5));
  r.chunk.last_line = static_cast<int>(s.column_int(6));
  r.chunk.token_count = static_cast<int>(s.column_int(7));
  r.chunk.heading_path = s.column_text(8);
  r.chunk.text = s.column_text(9);
  r.chunk.headings = s.column_text(10);
  r.chunk.codes = split_codes(s.column_view(11));
  return r;
}
}  // namespace

Result<std::vector<ChunkRecord>> Store::chunks(const std::vector<int64_t>& ids) {
  GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare(std::string(kChunkColumns) + "WHERE c.id = ?1"));
  std::vector<ChunkRecord> out;
  for (int64_t id : ids) {
    stmt.bind(1, id);
    if (!stmt.step()) {
      GL_TRY(stmt.status());
      return make_error("no chunk " + std::to_string(id));
    }
    out.push_back(read_chunk(stmt));
    stmt.reset();
  }
  for (auto& r : out) {
    GL_ASSIGN_OR_RETURN(r.chunk.tags, chunk_tags(r.id));
  }
  return out;
}

Result<std::vector<ChunkRecord>> Store::chunks_of(int64_t doc_id) {
  GL_ASSIGN_OR_RETURN(auto stmt,
                      db_.prepare(std::string(kChunkColumns) + "WHERE c.doc_id = ?1 ORDER BY c.id"));
  stmt.bind(1, doc_id);
  std::vector<ChunkRecord> out;
  while (stmt.step()) out.push_back(read_chunk(stmt));
  GL_TRY(stmt.status());
  for (auto& r : out) {
    GL_ASSIGN_OR_RETURN(r.chunk.tags, chunk_tags(r.id));
  }
  return out;
}

Result<std::vector<ScoredChunkId>> Store::match(const std::string& expression,
                                                const std::vector<TagFilter>& filters, int k,
                                                const RankWeights& weights) {
  std::string sql = "SELECT rowid, bm25(chunks_fts, ?2, ?3, ?4) AS score FROM chunks_fts "
                    "WHERE chunks_fts MATCH ?1";
  int next = 6;
  for (const auto& f : filters) {
    sql += " AND rowid IN (SELECT chunk_id FROM chunk_tags WHERE key = ?" + std::to_string(next++);
    if (!f.values.empty()) {
      sql += " AND value IN (";
      for (size_t i = 0; i < f.values.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(next++);
      sql += ")";
    }
    const char* lower = f.strict ? " > ?" : " >= ?";
    const char* upper = f.strict ? " < ?" : " <= ?";
    if (!f.min.empty()) sql += std::string(" AND value") + lower + std::to_string(next++);
    if (!f.max.empty()) sql += std::string(" AND value") + upper + std::to_string(next++);
    sql += ")";
  }
  sql += " ORDER BY score LIMIT ?5";
  GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare(sql));
  stmt.bind(1, expression).bind(2, weights.text).bind(3, weights.headings).bind(4, weights.codes)
      .bind(5, k);
  next = 6;
  for (const auto& f : filters) {
    stmt.bind(next++, f.key);
    for (const auto& v : f.values) stmt.bind(next++, v);
    if (!f.min.empty()) stmt.bind(next++, f.min);
    if (!f.max.empty()) stmt.bind(next++, f.max);
  }
  std::vector<ScoredChunkId> out;
  while (stmt.step()) out.push_back({stmt.column_int(0), -stmt.column_double(1)});
  GL_TRY(stmt.status());
  return out;
}

Result<StoreStats> Store::stats() {
  StoreStats s;
  GL_ASSIGN_OR_RETURN(auto counts,
                      db_.prepare("SELECT (SELECT count(*) FROM documents WHERE deleted = 0), "
                                  "(SELECT count(*) FROM documents WHERE deleted = 1), "
                                  "(SELECT count(*) FROM versions), (SELECT count(*) FROM chunks), "
                                  "(SELECT coalesce(sum(v.line_count), 0) FROM documents d JOIN "
                                  "versions v ON v.doc_id = d.id AND v.version = d.current_version "
                                  "WHERE d.deleted = 0)"));
  if (counts.step()) {
    s.documents = counts.column_int(0);
    s.deleted_documents = counts.column_int(1);
    s.versions = counts.column_int(2);
    s.chunks = counts.column_int(3);
    s.lines = counts.column_int(4);
  }
  GL_TRY(counts.status());
  GL_ASSIGN_OR_RETURN(auto tags, db_.prepare("SELECT key, value, count(*) FROM chunk_tags "
                                             "GROUP BY key, value ORDER BY key, value"));
  while (tags.step())
    s.tag_counts.push_back({{tags.column_text(0), tags.column_text(1)}, tags.column_int(2)});
  GL_TRY(tags.status());
  return s;
}

}  // namespace groundline::kb
