// Ingestion of a folder into the knowledge base. The knowledge base mirrors
// the folder: new files are added, changed files become new versions,
// unchanged files cost a stat (or a hash when only their time changed),
// files gone from the folder are marked deleted. A file that cannot be
// ingested is reported with its reason and leaves what was stored for it
// untouched; the others go on. The whole run is one batch: cancelled or
// killed, the knowledge base is as it was before.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "ingest/loaders.h"
#include "ingest/metadata.h"
#include "kb/store.h"

namespace groundline::ingest {

struct IngestProgress {
  size_t files_done = 0;
  size_t files_total = 0;
  int64_t bytes_done = 0;
  int64_t chunks = 0;
  double seconds = 0;
};

struct IngestOptions {
  IngestConfig config;
  size_t threads = 0;  // 0: one per core
  // Called on the calling thread, about ten times a second.
  std::function<void(const IngestProgress&)> on_progress;
  // Checked between files; when it becomes true the batch is rolled back.
  const std::atomic<bool>* cancel = nullptr;
};

struct FileProblem {
  std::string path;
  std::string reason;
};

struct IngestReport {
  size_t files = 0;  // supported files seen
  size_t added = 0, updated = 0, rechunked = 0, unchanged = 0, deleted = 0;
  size_t skipped = 0;  // files of unsupported types
  int64_t bytes_read = 0;
  int64_t chunks_written = 0;
  double seconds = 0;
  bool cancelled = false;
  std::vector<FileProblem> failures;
};

// A file read and cut into a document version and its chunks.
struct ProcessedDocument {
  kb::DocumentVersion version;
  std::vector<kb::Chunk> chunks;
};

// Turns one file's bytes into what the store keeps. `path` is the
// document's name in the knowledge base.
Result<ProcessedDocument> process_document(std::string_view bytes, const std::string& path,
                                           const MetadataExtractor& extractor, const IngestConfig& config);

// Ingests every Markdown, HTML, text and PDF file under `folder` (or the one
// file `folder` names). Fails only when nothing could be done at all (no
// such folder, the knowledge base unwritable); per-file problems are in the
// report.
Result<IngestReport> ingest_folder(kb::Store& store, const std::string& folder, const IngestOptions& options);

}  // namespace groundline::ingest
