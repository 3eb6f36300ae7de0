#include "kb/store.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

namespace groundline::kb {

namespace {

namespace fs = std::filesystem;

constexpr int kSchemaVersion = 3;

// A knowledge base being created is built in PATH + this + the builder's
// process id.
constexpr const char* kBuildingSuffix = ".building-";

void remove_database_files(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path + suffix, ignored);
}

// Removes what builders of `path` that no longer run left behind.
void remove_abandoned_builds(const std::string& path) {
  fs::path target(path);
  fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string prefix = target.filename().string() + kBuildingSuffix;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    std::string rest = name.substr(prefix.size());
    int pid = 0;
    auto [end, err] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (err != std::errc() || end != rest.data() + rest.size() || pid <= 0) continue;
    if (kill(pid, 0) != 0 && errno == ESRCH) remove_database_files(entry.path().string());
  }
}

Status sync_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return make_error(path + ": " + std::strerror(errno));
  int rc = fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return make_error(path + ": cannot sync: " + std::strerror(err));
  return {};
}

// Renames `from` to `to` unless `to` exists, then makes the rename durable.
Status move_into_place(const std::string& from, const std::string& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) return make_error(to + ": a file appeared there while the knowledge base was built");
    // File systems without the no-replace flag: link, which never
    // replaces, then unlink.
    if (errno != EINVAL && errno != ENOSYS) return make_error(to + ": " + std::strerror(errno));
    if (link(from.c_str(), to.c_str()) != 0) return make_error(to + ": " + std::strerror(errno));
    unlink(from.c_str());
  }
  fs::path folder = fs::path(to).parent_path();
  return sync_file(folder.empty() ? "." : folder.string());
}

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
  tags TEXT NOT NULL,
  headings TEXT NOT NULL,
  lines TEXT NOT NULL,  -- last: reading the columns before it skips its overflow pages
  PRIMARY KEY(doc_id, version));
CREATE TABLE IF NOT EXISTS chunks(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  doc_id INTEGER NOT NULL REFERENCES documents(id),
  version INTEGER NOT NULL,
  first_line INTEGER NOT NULL,
  last_line INTEGER NOT NULL,
  token_count INTEGER NOT NULL,
  heading_path TEXT NOT NULL,
  text_begin INTEGER NOT NULL,  -- the chunk's text: these bytes of its version's lines
  text_end INTEGER NOT NULL,
  text TEXT,                    -- or this, when it is not that slice (NULL when it is)
  headings TEXT NOT NULL,
  codes TEXT NOT NULL,
  tags TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS postings(term TEXT PRIMARY KEY, df INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tag_postings(tag TEXT PRIMARY KEY, count INTEGER NOT NULL, data BLOB NOT NULL);
)sql";

std::string now_utc() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
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

// Encoded postings buffered in a batch before they are merged into the
// stored lists: bounds memory for very large ingests (each merge rewrites
// the lists it touches, so not often either).
constexpr size_t kFlushBytes = size_t{512} << 20;

// Tag lists are keyed "key<US>value", so that all values of a key are one
// range of keys.
constexpr char kTagSeparator = '\x1f';

std::string tag_key(std::string_view key, std::string_view value) {
  std::string out(key);
  out.push_back(kTagSeparator);
  out += value;
  return out;
}

// Sorted `current` without `removed`, merged with `added`. A batch adds
// chunks in id order and mostly to new terms, so the common cases (added
// already sorted, nothing current, nothing removed) skip the work.
template <class T, class IdOf>
std::vector<T> merge_ids(std::vector<T> current, std::vector<T> added, std::vector<int64_t> removed,
                         IdOf id_of) {
  auto by_id = [&](const T& a, const T& b) { return id_of(a) < id_of(b); };
  if (!removed.empty()) {
    std::sort(removed.begin(), removed.end());
    auto gone = [&](const T& x) { return std::binary_search(removed.begin(), removed.end(), id_of(x)); };
    std::erase_if(current, gone);
    std::erase_if(added, gone);
  }
  if (!std::is_sorted(added.begin(), added.end(), by_id)) std::sort(added.begin(), added.end(), by_id);
  if (current.empty()) return added;
  std::vector<T> out;
  out.reserve(current.size() + added.size());
  std::merge(current.begin(), current.end(), added.begin(), added.end(), std::back_inserter(out), by_id);
  return out;
}

// How each kind of stored list is read and written, and the chunk id of an
// entry: term lists hold postings, tag lists plain chunk ids.
int64_t chunk_id_of(const Posting& p) {
  return p.chunk_id;
}
int64_t chunk_id_of(int64_t id) {
  return id;
}
std::string encode_stored(const std::vector<Posting>& list) {
  return encode_postings(list);
}
std::string encode_stored(const std::vector<int64_t>& list) {
  return encode_ids(list);
}
template <class T>
Result<std::vector<T>> decode_stored(std::string_view blob) {
  if constexpr (std::is_same_v<T, Posting>)
    return decode_postings(blob);
  else
    return decode_ids(blob);
}

// Tags in one order, without repeats.
std::vector<Tag> sorted_tags(std::vector<Tag> tags) {
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

// A chunk stores only the tags its document does not have (its codes and
// their categories, mostly); its tags are the union of both.
std::vector<Tag> own_tags(const std::vector<Tag>& chunk_tags, const std::vector<Tag>& sorted_document_tags) {
  std::vector<Tag> own;
  for (const auto& t : sorted_tags(chunk_tags))
    if (!std::binary_search(sorted_document_tags.begin(), sorted_document_tags.end(), t)) own.push_back(t);
  return own;
}

std::vector<Tag> merged_tags(std::vector<Tag> a, const std::vector<Tag>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return sorted_tags(std::move(a));
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
  std::unique_ptr<Store> store(new Store(std::move(db)));
  GL_TRY(store->configure(read_only ? Mode::kRead : Mode::kWrite));
  auto version = store->meta("schema_version");
  if (!version) return make_error(path + ": not a groundline knowledge base");
  if (*version != std::to_string(kSchemaVersion))
    return make_error(path + ": knowledge base schema version " + *version + " is not supported (expected " +
                      std::to_string(kSchemaVersion) + "); ingest the documents again into a new file");
  return store;
}

Result<std::unique_ptr<Store>> Store::create(const std::string& path) {
  if (fs::exists(path)) return make_error(path + ": already exists");
  remove_abandoned_builds(path);
  std::string building = path + kBuildingSuffix + std::to_string(getpid());
  remove_database_files(building);
  GL_ASSIGN_OR_RETURN(Connection db, Connection::open(building, false));
  std::unique_ptr<Store> store(new Store(std::move(db)));
  store->building_path_ = building;
  store->final_path_ = path;
  GL_TRY(store->configure(Mode::kBuild));
  return store;
}

Result<std::unique_ptr<Store>> Store::open_or_create(const std::string& path) {
  return fs::exists(path) ? open(path) : create(path);
}

Status Store::configure(Mode mode) {
  // A page cache of up to 64 MiB: a large batch touches many pages.
  GL_TRY(db_.exec("PRAGMA cache_size=-65536"));
  if (mode == Mode::kRead) return {};
  // A file being built needs no durability until it is published, and no
  // log of pages it did not have: its rollback journal stays in memory
  // and holds next to nothing.
  GL_TRY(db_.exec(mode == Mode::kBuild
                      ? "PRAGMA page_size=16384; PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;"
                      : "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  return create_schema();
}

Status Store::publish() {
  if (building_path_.empty()) return {};
  drop_statements();
  GL_TRY(db_.exec("PRAGMA journal_mode=WAL"));
  db_ = Connection();
  GL_TRY(sync_file(building_path_));
  GL_TRY(move_into_place(building_path_, final_path_));
  building_path_.clear();
  GL_ASSIGN_OR_RETURN(db_, Connection::open(final_path_, false));
  return configure(Mode::kWrite);
}

Store::~Store() {
  if (building_path_.empty()) return;
  drop_statements();
  db_ = Connection();
  remove_database_files(building_path_);
}

void Store::drop_statements() {
  read_postings_.reset();
  data_version_.reset();
  forget_cache();
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

Status Store::begin_batch() {
  forget_pending();
  // Workers of an earlier batch are done with its dictionary by now.
  dictionary_ = std::make_unique<TermDictionary>();
  next_chunk_id_.reset();
  return db_.exec("BEGIN IMMEDIATE");
}

Status Store::commit_batch() {
  GL_TRY(flush_index());
  Status status = db_.exec("COMMIT");
  forget_cache();
  return status;
}

void Store::rollback_batch() {
  forget_pending();
  next_chunk_id_.reset();
  db_.exec("ROLLBACK");
}

bool Store::cache_is_fresh() {
  if (!data_version_) {
    auto stmt = db_.prepare("PRAGMA data_version");
    if (!stmt.ok()) return false;
    data_version_.emplace(std::move(stmt).value());
  }
  int64_t version = data_version_->step() ? data_version_->column_int(0) : -1;
  data_version_->reset();
  bool fresh = version >= 0 && version == cached_version_;
  if (!fresh) forget_cache();
  cached_version_ = version;
  return fresh;
}

void Store::forget_cache() {
  meta_cache_.clear();
  stats_cache_.reset();
}

std::optional<std::string> Store::meta(const std::string& key) {
  if (cache_is_fresh()) {
    if (auto it = meta_cache_.find(key); it != meta_cache_.end()) return it->second;
  }
  auto stmt = db_.prepare("SELECT value FROM meta WHERE key = ?1");
  if (!stmt.ok()) return std::nullopt;
  stmt->bind(1, key);
  std::optional<std::string> value;
  if (stmt->step()) value = stmt->column_text(0);
  meta_cache_[key] = value;
  return value;
}

Status Store::set_meta(const std::string& key, const std::string& value) {
  forget_cache();
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
  GL_ASSIGN_OR_RETURN(auto* stmt, db_.cached(std::string(kDocumentColumns) +
                                             (by_id ? "WHERE d.id = ?1" : "WHERE d.path = ?1")));
  int64_t id = 0;
  if (by_id &&
      std::from_chars(path_or_id.data(), path_or_id.data() + path_or_id.size(), id).ec == std::errc())
    stmt->bind(1, id);
  else
    stmt->bind(1, path_or_id);
  if (!stmt->step()) {
    GL_TRY(stmt->status());
    return make_error("no document " + path_or_id + " in the knowledge base");
  }
  return read_document(*stmt);
}

PreparedDocument prepare_document(DocumentVersion version, std::vector<Chunk> chunks,
                                  TermDictionary& dictionary) {
  PreparedDocument out;
  out.lines = join_lines(version.lines);
  out.terms = invert(chunks, dictionary, out.lines);
  out.headings_json = headings_json(version.headings);
  out.tags_json = tags_json(version.tags);
  auto doc_tags = sorted_tags(version.tags);
  for (const auto& t : doc_tags) out.document_tag_keys.push_back(tag_key(t.key, t.value));
  out.chunk_fields.reserve(chunks.size());
  for (const auto& c : chunks) {
    auto own = own_tags(c.tags, doc_tags);
    auto& fields = out.chunk_fields.emplace_back();
    fields.text_is_slice = is_slice_of(out.lines, c);
    fields.codes = join_codes(c.codes);
    fields.tags_json = tags_json(own);
    for (const auto& t : own) fields.tag_keys.push_back(tag_key(t.key, t.value));
  }
  out.version = std::move(version);
  out.chunks = std::move(chunks);
  return out;
}

Result<int> Store::save_document(const DocumentVersion& doc, const std::vector<Chunk>& chunks,
                                 const std::string& index_config) {
  return save_document(prepare_document(doc, chunks, *dictionary_), index_config);
}

Result<int> Store::save_document(const PreparedDocument& prepared, const std::string& index_config) {
  if (prepared.terms.dictionary != dictionary_.get())
    return make_error("document terms were counted for another batch");
  const DocumentVersion& doc = prepared.version;
  auto existing = document(doc.path);
  int64_t doc_id = 0;
  int version = 1;
  bool new_version = true;
  if (existing.ok()) {
    doc_id = existing->id;
    new_version = existing->content_hash != doc.content_hash;
    version = existing->current_version + (new_version ? 1 : 0);
    GL_ASSIGN_OR_RETURN(auto* update, db_.cached("UPDATE documents SET kind = ?2, current_version = ?3, "
                                                 "deleted = 0, size = ?4, mtime_ns = ?5, index_config = ?6 "
                                                 "WHERE id = ?1"));
    GL_TRY(update->bind(1, doc_id)
               .bind(2, doc.kind)
               .bind(3, version)
               .bind(4, doc.size)
               .bind(5, doc.mtime_ns)
               .bind(6, index_config)
               .run());
    GL_TRY(delete_chunks(doc_id));
  } else {
    GL_ASSIGN_OR_RETURN(auto* insert, db_.cached("INSERT INTO documents(path, kind, current_version, size, "
                                                 "mtime_ns, index_config) VALUES(?1, ?2, 1, ?3, ?4, ?5)"));
    GL_TRY(insert->bind(1, doc.path)
               .bind(2, doc.kind)
               .bind(3, doc.size)
               .bind(4, doc.mtime_ns)
               .bind(5, index_config)
               .run());
    doc_id = db_.last_insert_id();
  }
  // An unchanged version keeps its lines (they are the same) but takes the
  // newly extracted title and tags.
  GL_ASSIGN_OR_RETURN(auto* put_version,
                      db_.cached("INSERT INTO versions(doc_id, version, content_hash, title, "
                                 "ingested_at, line_count, lines, headings, tags) "
                                 "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                                 "ON CONFLICT(doc_id, version) DO UPDATE SET title = excluded.title, "
                                 "headings = excluded.headings, tags = excluded.tags"));
  GL_TRY(put_version->bind(1, doc_id)
             .bind(2, version)
             .bind(3, doc.content_hash)
             .bind(4, doc.title)
             .bind(5, now_utc())
             .bind(6, static_cast<int64_t>(doc.lines.size()))
             .bind_view(7, prepared.lines)
             .bind_view(8, prepared.headings_json)
             .bind_view(9, prepared.tags_json)
             .run());
  GL_TRY(insert_chunks(doc_id, version, prepared));
  return version;
}

Status Store::delete_chunks(int64_t doc_id) {
  // A chunk's terms are computed again from its stored fields (the same
  // function made them) rather than stored a second time.
  GL_ASSIGN_OR_RETURN(auto* old,
                      db_.cached("SELECT c.id, c.text, c.headings, c.codes, c.tags, v.tags, v.rowid, "
                                 "c.text_begin, c.text_end FROM chunks c "
                                 "JOIN versions v ON v.doc_id = c.doc_id AND v.version = c.version "
                                 "WHERE c.doc_id = ?1"));
  old->bind(1, doc_id);
  while (old->step()) {
    int64_t id = old->column_int(0);
    Chunk chunk;
    GL_ASSIGN_OR_RETURN(chunk.text, chunk_text(*old, 1, 6));
    chunk.headings = old->column_text(2);
    chunk.codes = split_codes(old->column_view(3));
    ChunkTerms terms = terms_of(chunk);
    for (const auto& t : terms.terms) pending_term(dictionary_->id(t.term)).removed.push_back(id);
    pending_stats_.chunks--;
    for (int f = 0; f < kFieldCount; ++f) pending_stats_.total_length[f] -= terms.lengths[f];
    for (const auto& t : merged_tags(parse_tags(old->column_view(5)), parse_tags(old->column_view(4))))
      pending_tags_[tag_key(t.key, t.value)].removed.push_back(id);
  }
  GL_TRY(old->status());
  GL_ASSIGN_OR_RETURN(auto* remove, db_.cached("DELETE FROM chunks WHERE doc_id = ?1"));
  return remove->bind(1, doc_id).run();
}

Status Store::insert_chunks(int64_t doc_id, int version, const PreparedDocument& doc) {
  const auto& chunks = doc.chunks;
  const auto& terms = doc.terms;
  if (terms.lengths.size() != chunks.size() || doc.chunk_fields.size() != chunks.size())
    return make_error("prepared document does not match its chunks");
  GL_ASSIGN_OR_RETURN(const int64_t first_id, next_chunk_id());
  GL_ASSIGN_OR_RETURN(
      auto* insert,
      db_.cached("INSERT INTO chunks(id, doc_id, version, first_line, last_line, "
                 "token_count, heading_path, text_begin, text_end, text, headings, codes, tags) "
                 "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
  for (size_t i = 0; i < chunks.size(); ++i) {
    const Chunk& c = chunks[i];
    const auto& fields = doc.chunk_fields[i];
    const int64_t id = first_id + static_cast<int64_t>(i);
    insert->bind(1, id)
        .bind(2, doc_id)
        .bind(3, version)
        .bind(4, c.first_line)
        .bind(5, c.last_line)
        .bind(6, c.token_count)
        .bind_view(7, c.heading_path)
        .bind(8, fields.text_is_slice ? static_cast<int64_t>(c.text_begin) : 0)
        .bind(9, fields.text_is_slice ? static_cast<int64_t>(c.text_end) : 0)
        .bind_view(11, c.headings)
        .bind_view(12, fields.codes)
        .bind_view(13, fields.tags_json);
    if (fields.text_is_slice)
      insert->bind_null(10);
    else
      insert->bind_view(10, c.text);
    GL_TRY(insert->run());
    for (int f = 0; f < kFieldCount; ++f) pending_stats_.total_length[f] += terms.lengths[i][f];
    for (const auto& key : fields.tag_keys) pending_tags_[key].added.push_back(id);
  }
  pending_stats_.chunks += static_cast<int64_t>(chunks.size());
  // The document's own tags hold for all its chunks: one run of ids each.
  for (const auto& key : doc.document_tag_keys) {
    auto& added = pending_tags_[key].added;
    for (size_t i = 0; i < chunks.size(); ++i) added.push_back(first_id + static_cast<int64_t>(i));
  }
  // Each segment extends another term's list, a cache miss or two apiece:
  // the lists of the segments a little ahead are fetched meanwhile.
  const auto& segments = terms.segments;
  for (size_t k = 0; k < segments.size(); ++k) {
    if (k + 16 < segments.size()) prefetch_term(segments[k + 16].term);
    if (k + 8 < segments.size()) prefetch_list_end(segments[k + 8].term);
    pending_term(segments[k].term).added.append(segments[k], terms.bytes, first_id);
    pending_bytes_ += segments[k].end - segments[k].begin;
  }
  next_chunk_id_ = first_id + static_cast<int64_t>(chunks.size());
  if (pending_bytes_ > kFlushBytes) GL_TRY(flush_index());
  return {};
}

Result<int64_t> Store::next_chunk_id() {
  if (next_chunk_id_) return *next_chunk_id_;
  // Ids are never reused: past both the largest id and any id ever handed
  // out (AUTOINCREMENT's record of it).
  GL_ASSIGN_OR_RETURN(auto stmt,
                      db_.prepare("SELECT max(coalesce((SELECT max(id) FROM chunks), 0), "
                                  "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'chunks'), 0))"));
  if (!stmt.step()) {
    GL_TRY(stmt.status());
    return make_error("cannot read the largest chunk id");
  }
  next_chunk_id_ = stmt.column_int(0) + 1;
  return *next_chunk_id_;
}

Status Store::touch_document(int64_t doc_id, int64_t size, int64_t mtime_ns) {
  GL_ASSIGN_OR_RETURN(auto* stmt, db_.cached("UPDATE documents SET size = ?2, mtime_ns = ?3 WHERE id = ?1"));
  return stmt->bind(1, doc_id).bind(2, size).bind(3, mtime_ns).run();
}

Status Store::mark_deleted(int64_t doc_id) {
  GL_TRY(delete_chunks(doc_id));
  GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare("UPDATE documents SET deleted = 1 WHERE id = ?1"));
  return stmt.bind(1, doc_id).run();
}

Result<std::vector<VersionInfo>> Store::versions(int64_t doc_id) {
  GL_ASSIGN_OR_RETURN(auto stmt,
                      db_.prepare("SELECT version, content_hash, ingested_at, line_count FROM versions "
                                  "WHERE doc_id = ?1 ORDER BY version"));
  stmt.bind(1, doc_id);
  std::vector<VersionInfo> out;
  while (stmt.step())
    out.push_back({static_cast<int>(stmt.column_int(0)), stmt.column_text(1), stmt.column_text(2),
                   static_cast<int>(stmt.column_int(3))});
  GL_TRY(stmt.status());
  return out;
}

Result<VersionText> Store::version_text(int64_t doc_id, int version) {
  GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare("SELECT d.path, v.version, v.title, v.line_count, v.lines, "
                                             "v.headings, v.tags FROM documents d JOIN versions v "
                                             "ON v.doc_id = d.id AND v.version = "
                                             "(CASE WHEN ?2 = 0 THEN d.current_version ELSE ?2 END) "
                                             "WHERE d.id = ?1"));
  stmt.bind(1, doc_id).bind(2, version);
  if (!stmt.step()) {
    GL_TRY(stmt.status());
    return make_error("document " + std::to_string(doc_id) + " has no version " + std::to_string(version));
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

namespace {
constexpr const char* kChunkColumns =
    "SELECT c.id, c.doc_id, d.path, v.title, c.version, c.first_line, c.last_line, "
    "c.token_count, c.heading_path, c.text, c.headings, c.codes, c.tags, v.tags, "
    "v.rowid, c.text_begin, c.text_end FROM chunks c "
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
  r.chunk.headings = s.column_text(10);
  r.chunk.codes = split_codes(s.column_view(11));
  r.chunk.tags = merged_tags(parse_tags(s.column_view(13)), parse_tags(s.column_view(12)));
  return r;
}
}  // namespace

Result<std::string> Store::chunk_text(const Statement& row, int text_column, int rowid_column) {
  if (!row.column_is_null(text_column)) return row.column_text(text_column);
  auto begin = row.column_int(rowid_column + 1), end = row.column_int(rowid_column + 2);
  if (begin < 0 || end < begin) return make_error("corrupt chunk: bad text offsets");
  return db_.read_range("versions", "lines", row.column_int(rowid_column), static_cast<size_t>(begin),
                        static_cast<size_t>(end - begin));
}

Result<ChunkRecord> Store::read_chunk_row(const Statement& row) {
  ChunkRecord r = read_chunk(row);
  GL_ASSIGN_OR_RETURN(r.chunk.text, chunk_text(row, 9, 14));
  r.chunk.text_begin = static_cast<size_t>(row.column_int(15));
  r.chunk.text_end = static_cast<size_t>(row.column_int(16));
  return r;
}

Result<std::vector<ChunkRecord>> Store::chunks(const std::vector<int64_t>& ids) {
  GL_ASSIGN_OR_RETURN(auto* stmt, db_.cached(std::string(kChunkColumns) + "WHERE c.id = ?1"));
  std::vector<ChunkRecord> out;
  for (int64_t id : ids) {
    stmt->bind(1, id);
    if (!stmt->step()) {
      GL_TRY(stmt->status());
      return make_error("no chunk " + std::to_string(id));
    }
    GL_ASSIGN_OR_RETURN(auto record, read_chunk_row(*stmt));
    out.push_back(std::move(record));
    stmt->reset();
  }
  return out;
}

Result<std::vector<ChunkRecord>> Store::chunks_of(int64_t doc_id) {
  GL_ASSIGN_OR_RETURN(auto stmt,
                      db_.prepare(std::string(kChunkColumns) + "WHERE c.doc_id = ?1 ORDER BY c.id"));
  stmt.bind(1, doc_id);
  std::vector<ChunkRecord> out;
  while (stmt.step()) {
    GL_ASSIGN_OR_RETURN(auto record, read_chunk_row(stmt));
    out.push_back(std::move(record));
  }
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
  GL_ASSIGN_OR_RETURN(auto tags, db_.prepare("SELECT tag, count FROM tag_postings ORDER BY tag"));
  while (tags.step()) {
    auto tag = tags.column_view(0);
    auto cut = tag.find(kTagSeparator);
    s.tag_counts.push_back(
        {{std::string(tag.substr(0, cut)), std::string(tag.substr(cut + 1))}, tags.column_int(1)});
  }
  GL_TRY(tags.status());
  return s;
}

Store::PendingTerm& Store::pending_term(int32_t id) {
  auto at = static_cast<size_t>(id);
  if (at >= pending_terms_.size()) pending_terms_.resize(std::max(at + 1, pending_terms_.size() * 2));
  return pending_terms_[at];
}

void Store::prefetch_term(int32_t id) const {
  auto at = static_cast<size_t>(id);
  if (at >= pending_terms_.size()) return;
  const auto* first = reinterpret_cast<const char*>(&pending_terms_[at]);
  __builtin_prefetch(first);
  __builtin_prefetch(first + sizeof(PendingTerm) - 1);
}

void Store::prefetch_list_end(int32_t id) const {
  auto at = static_cast<size_t>(id);
  if (at < pending_terms_.size()) __builtin_prefetch(pending_terms_[at].added.end(), 1);
}

void Store::forget_pending() {
  forget_cache();
  pending_terms_.clear();
  pending_tags_.clear();
  pending_stats_ = {};
  pending_bytes_ = 0;
}

namespace {

// Reads, replaces and drops the stored lists of one table.
struct ListTable {
  Statement read, put, drop;

  static Result<ListTable> open(Connection& db, const std::string& table, const std::string& key,
                                const std::string& count) {
    GL_ASSIGN_OR_RETURN(auto read, db.prepare("SELECT data FROM " + table + " WHERE " + key + " = ?1"));
    GL_ASSIGN_OR_RETURN(auto put, db.prepare("INSERT OR REPLACE INTO " + table + "(" + key + ", " + count +
                                             ", data) VALUES(?1, ?2, ?3)"));
    GL_ASSIGN_OR_RETURN(auto drop, db.prepare("DELETE FROM " + table + " WHERE " + key + " = ?1"));
    return ListTable{std::move(read), std::move(put), std::move(drop)};
  }

  // The stored list of `key`, if there is one.
  Result<std::optional<std::string>> stored(const std::string& key) {
    read.bind(1, key);
    std::optional<std::string> blob;
    if (read.step()) blob = std::string(read.column_view(0));
    GL_TRY(read.status());
    read.reset();
    return blob;
  }

  Status write(const std::string& key, int64_t count, const std::string& blob) {
    if (count == 0) return drop.bind(1, key).run();
    return put.bind(1, key).bind(2, count).bind_blob(3, blob).run();
  }

  // The stored list without `removed`, merged with `added`.
  template <class T>
  Status merge(const std::string& key, std::vector<T> added, std::vector<int64_t> removed) {
    GL_ASSIGN_OR_RETURN(auto blob, stored(key));
    std::vector<T> current;
    if (blob) {
      GL_ASSIGN_OR_RETURN(current, decode_stored<T>(*blob));
    }
    auto merged = merge_ids(std::move(current), std::move(added), std::move(removed),
                            [](const T& x) { return chunk_id_of(x); });
    return write(key, static_cast<int64_t>(merged.size()), encode_stored(merged));
  }
};

}  // namespace

Status Store::merge_terms() {
  GL_ASSIGN_OR_RETURN(auto lists, ListTable::open(db_, "postings", "term", "df"));
  // In key order, so that the lists go into the table's B-tree in order.
  std::vector<std::pair<std::string, size_t>> changed;
  for (size_t id = 0; id < pending_terms_.size(); ++id) {
    const auto& p = pending_terms_[id];
    if (p.added.size() > 0 || !p.removed.empty())
      changed.emplace_back(dictionary_->term(static_cast<int32_t>(id)), id);
  }
  std::sort(changed.begin(), changed.end());
  for (const auto& [term, id] : changed) {
    auto& p = pending_terms_[id];
    GL_ASSIGN_OR_RETURN(auto stored, lists.stored(term));
    if (!stored && p.removed.empty()) {  // a new term: the common case of a large ingest
      GL_TRY(lists.write(term, static_cast<int64_t>(p.added.size()), p.added.blob()));
      continue;
    }
    GL_ASSIGN_OR_RETURN(auto added, decode_postings(p.added.blob()));
    GL_TRY(lists.merge<Posting>(term, std::move(added), std::move(p.removed)));
  }
  return {};
}

Status Store::merge_tags() {
  GL_ASSIGN_OR_RETURN(auto lists, ListTable::open(db_, "tag_postings", "tag", "count"));
  for (auto& [tag, p] : pending_tags_)
    GL_TRY(lists.merge<int64_t>(tag, std::move(p.added), std::move(p.removed)));
  return {};
}

Status Store::flush_index() {
  GL_TRY(merge_terms());
  GL_TRY(merge_tags());
  if (pending_stats_.chunks != 0 || pending_stats_.total_length != std::array<int64_t, kFieldCount>{}) {
    GL_ASSIGN_OR_RETURN(auto stats, lexical_stats());
    stats.chunks += pending_stats_.chunks;
    for (int f = 0; f < kFieldCount; ++f) stats.total_length[f] += pending_stats_.total_length[f];
    GL_TRY(set_meta("lexical_stats",
                    nlohmann::json{{"chunks", stats.chunks}, {"lengths", stats.total_length}}.dump()));
  }
  forget_pending();
  return {};
}

Result<std::vector<Posting>> Store::postings(const std::string& term) {
  GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare("SELECT data FROM postings WHERE term = ?1"));
  stmt.bind(1, term);
  if (!stmt.step()) {
    GL_TRY(stmt.status());
    return std::vector<Posting>{};
  }
  return decode_postings(stmt.column_view(0));
}

Status Store::scan_postings(const std::string& term, const std::function<void(PostingCursor&)>& visit) {
  if (!read_postings_) {
    GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare("SELECT data FROM postings WHERE term = ?1"));
    read_postings_.emplace(std::move(stmt));
  }
  auto& stmt = *read_postings_;
  stmt.bind(1, term);
  if (stmt.step()) {
    PostingCursor cursor(stmt.column_view(0));
    visit(cursor);
    if (!cursor.ok()) {
      stmt.reset();
      return make_error("corrupt lexical index: postings of \"" + term + "\"");
    }
  }
  Status status = stmt.status();
  stmt.reset();
  return status;
}

Status Store::scan_tagged(const TagFilter& filter,
                          const std::function<void(const std::vector<int64_t>&)>& visit) {
  auto visit_list = [&](std::string_view blob) -> Status {
    GL_ASSIGN_OR_RETURN(auto list, decode_ids(blob));
    visit(list);
    return {};
  };
  if (filter.min.empty() && filter.max.empty()) {
    GL_ASSIGN_OR_RETURN(auto stmt, db_.prepare("SELECT data FROM tag_postings WHERE tag = ?1"));
    for (const auto& value : filter.values) {
      stmt.bind(1, tag_key(filter.key, value));
      if (stmt.step()) GL_TRY(visit_list(stmt.column_view(0)));
      GL_TRY(stmt.status());
      stmt.reset();
    }
    return {};
  }
  // A range: the key's values in tag order, kept when within the bounds.
  GL_ASSIGN_OR_RETURN(auto stmt,
                      db_.prepare("SELECT tag, data FROM tag_postings WHERE tag >= ?1 AND tag <= ?2"));
  std::string past_key = filter.key + static_cast<char>(kTagSeparator + 1);
  stmt.bind(1, tag_key(filter.key, filter.min))
      .bind(2, filter.max.empty() ? past_key : tag_key(filter.key, filter.max));
  while (stmt.step()) {
    std::string value(stmt.column_view(0).substr(filter.key.size() + 1));
    bool listed = filter.values.empty() ||
                  std::find(filter.values.begin(), filter.values.end(), value) != filter.values.end();
    bool above = filter.min.empty() || (filter.strict ? value > filter.min : value >= filter.min);
    bool below = filter.max.empty() || (filter.strict ? value < filter.max : value <= filter.max);
    if (listed && above && below) GL_TRY(visit_list(stmt.column_view(1)));
  }
  return stmt.status();
}

Result<std::vector<int64_t>> Store::filtered_chunks(const TagFilter& filter) {
  std::vector<int64_t> ids;
  GL_TRY(scan_tagged(
      filter, [&](const std::vector<int64_t>& list) { ids.insert(ids.end(), list.begin(), list.end()); }));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

Result<LexicalStats> Store::lexical_stats() {
  if (cache_is_fresh() && stats_cache_) return *stats_cache_;
  LexicalStats stats;
  if (auto stored = meta("lexical_stats")) {
    auto j = nlohmann::json::parse(*stored, nullptr, false);
    if (j.is_discarded() || !j.contains("chunks") || !j.contains("lengths"))
      return make_error("corrupt lexical index: bad statistics");
    stats.chunks = j["chunks"].get<int64_t>();
    stats.total_length = j["lengths"].get<std::array<int64_t, kFieldCount>>();
  }
  GL_ASSIGN_OR_RETURN(auto max_id, db_.prepare("SELECT coalesce(max(id), 0) FROM chunks"));
  if (max_id.step()) stats.max_chunk_id = max_id.column_int(0);
  GL_TRY(max_id.status());
  stats_cache_ = stats;
  return stats;
}

}  // namespace groundline::kb
