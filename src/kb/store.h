// The knowledge base on one SQLite file (WAL mode): documents and their
// versions of numbered lines, the chunks of every current version, their
// tags, and a BM25 full-text index over the chunks.
//
// Writes happen inside a batch (begin_batch .. commit_batch): a batch is one
// transaction, so a crash or kill leaves the state before it or after it.
// Readers in other processes see only committed batches. A Store is used by
// one thread at a time; open one per thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "kb/document.h"
#include "kb/sqlite.h"

namespace groundline::kb {

// Chunks whose tag `key` is one of `values` (when given) and within
// [min, max] (when given; `strict` makes the bounds exclusive). Values
// compare as text, so ISO dates order correctly.
struct TagFilter {
  std::string key;
  std::vector<std::string> values;
  std::string min, max;
  bool strict = false;
};

struct StoreStats {
  int64_t documents = 0, deleted_documents = 0, versions = 0, chunks = 0, lines = 0;
  std::vector<std::pair<Tag, int64_t>> tag_counts;  // tag -> chunks carrying it
};

// A document ready for the writer: the fields of its rows serialised and
// its terms counted. prepare_document() is thread-safe, so ingestion does
// this work in parallel and the single writer only binds and appends.
struct PreparedDocument {
  DocumentVersion version;
  std::vector<Chunk> chunks;
  DocumentTerms terms;
  std::string lines, headings_json, tags_json;  // of the version
  std::vector<std::string> document_tag_keys;
  struct ChunkFields {
    bool text_is_slice = false;         // of `lines`, as its offsets say: then not stored again
    std::string codes, tags_json;       // the chunk's own tags only
    std::vector<std::string> tag_keys;  // of those
  };
  std::vector<ChunkFields> chunk_fields;
};

PreparedDocument prepare_document(DocumentVersion version, std::vector<Chunk> chunks,
                                  TermDictionary& dictionary);

class Store {
 public:
  // Opens (creating when allowed) the knowledge base at `path`.
  static Result<std::unique_ptr<Store>> open(const std::string& path, bool read_only = false);
  // A new knowledge base for `path`, which must not exist. It is built in
  // a temporary file beside it without a write-ahead log, so that a first
  // ingest writes every page once; publish() moves it into place. A store
  // destroyed (or a process killed) before then leaves no file at `path`.
  static Result<std::unique_ptr<Store>> create(const std::string& path);
  // For writing: opens the knowledge base at `path`, or creates one as
  // create() does when there is no file there.
  static Result<std::unique_ptr<Store>> open_or_create(const std::string& path);
  // Moves a created knowledge base into place, in WAL mode like any other,
  // and goes on with it there. Fails, leaving `path` alone, if a file
  // appeared there meanwhile. Does nothing for an opened one.
  Status publish();
  ~Store();

  Status begin_batch();
  Status commit_batch();
  void rollback_batch();

  std::optional<std::string> meta(const std::string& key);
  Status set_meta(const std::string& key, const std::string& value);

  Result<std::vector<DocumentRecord>> documents();
  // By path, or by id when `path_or_id` is all digits.
  Result<DocumentRecord> document(const std::string& path_or_id);

  // The dictionary of the open batch, for invert() on other threads.
  // Thread-safe; replaced when the next batch begins.
  TermDictionary& term_dictionary() { return *dictionary_; }

  // Stores a document: a new document, a new version when its content hash
  // differs from the current one, or the same version re-chunked. Replaces
  // the document's chunks. `doc` must be prepared with term_dictionary().
  // Returns the version number.
  Result<int> save_document(const PreparedDocument& doc, const std::string& index_config);
  // The same, prepared here.
  Result<int> save_document(const DocumentVersion& doc, const std::vector<Chunk>& chunks,
                            const std::string& index_config);
  // Records a new size and mtime for unchanged content.
  Status touch_document(int64_t doc_id, int64_t size, int64_t mtime_ns);
  // Marks a document deleted and removes its chunks; its versions stay, so
  // that old citations still resolve.
  Status mark_deleted(int64_t doc_id);

  // Every version of a document, oldest first.
  Result<std::vector<VersionInfo>> versions(int64_t doc_id);
  // A version's lines; version 0 means the current one.
  Result<VersionText> version_text(int64_t doc_id, int version = 0);
  Result<std::vector<ChunkRecord>> chunks(const std::vector<int64_t>& ids);
  Result<std::vector<ChunkRecord>> chunks_of(int64_t doc_id);

  // The lexical index (see lexical.h): a term's postings (empty when no
  // chunk has it), the sorted ids of the chunks that pass a filter, and the
  // totals BM25 needs. Reflects committed batches only.
  Result<std::vector<Posting>> postings(const std::string& term);
  // Calls `visit` with a cursor over the term's list, read in place (not
  // called when no chunk has the term).
  Status scan_postings(const std::string& term, const std::function<void(PostingCursor&)>& visit);
  Result<std::vector<int64_t>> filtered_chunks(const TagFilter& filter);
  // Calls `visit` with lists of the ids of the chunks that pass the filter
  // (each list sorted; a chunk may be in several lists).
  Status scan_tagged(const TagFilter& filter, const std::function<void(const std::vector<int64_t>&)>& visit);
  Result<LexicalStats> lexical_stats();

  Result<StoreStats> stats();
  Connection& connection() { return db_; }

 private:
  explicit Store(Connection db) : db_(std::move(db)) {}
  enum class Mode { kRead, kWrite, kBuild };
  // Sets the connection's pragmas and, when writing, creates the schema.
  Status configure(Mode mode);
  // Finalizes the statements this store holds, before its connection closes.
  void drop_statements();
  Status create_schema();
  Status delete_chunks(int64_t doc_id);
  // A chunk row's text: its own column, or when that is NULL the slice of
  // its version's lines (the version's rowid and the offsets follow
  // `rowid_column`).
  Result<std::string> chunk_text(const Statement& row, int text_column, int rowid_column);
  Result<ChunkRecord> read_chunk_row(const Statement& row);
  Status insert_chunks(int64_t doc_id, int version, const PreparedDocument& doc);
  // Merges the batch's index changes into the stored lists.
  Status flush_index();
  void forget_pending();

  // Index changes of the open batch, merged at commit (or sooner when
  // they grow large). Term lists are indexed by the batch dictionary's ids.
  struct PendingTerm {
    PostingListBuilder added;
    std::vector<int64_t> removed;  // chunk ids
  };
  struct PendingTag {
    std::vector<int64_t> added, removed;
  };
  PendingTerm& pending_term(int32_t id);
  // Hints to the cache: the pending list of a term, and where it grows.
  void prefetch_term(int32_t id) const;
  void prefetch_list_end(int32_t id) const;
  Status merge_terms();
  Status merge_tags();
  // The id the next inserted chunk gets.
  Result<int64_t> next_chunk_id();
  std::unique_ptr<TermDictionary> dictionary_ = std::make_unique<TermDictionary>();
  std::vector<PendingTerm> pending_terms_;
  std::map<std::string, PendingTag> pending_tags_;
  LexicalStats pending_stats_;  // deltas
  size_t pending_bytes_ = 0;
  std::optional<int64_t> next_chunk_id_;

  // Meta values and index statistics are read once per state of the file:
  // the cache holds while PRAGMA data_version (other connections' commits)
  // is unchanged and this connection has not written.
  bool cache_is_fresh();
  void forget_cache();

  Connection db_;
  // While created and not yet published: the file being built, and where
  // it goes.
  std::string building_path_, final_path_;
  // Statements are declared after the connection: they are finalized first.
  std::optional<Statement> read_postings_;
  std::optional<Statement> data_version_;
  int64_t cached_version_ = -1;
  std::map<std::string, std::optional<std::string>> meta_cache_;
  std::optional<LexicalStats> stats_cache_;  // prepared once: searches read many lists
};

}  // namespace groundline::kb
