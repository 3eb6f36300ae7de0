// Re-chunking a knowledge base with other settings, from what it stores:
// the current version of every document is cut again (its numbered lines,
// headings and tags as stored) and saved into another knowledge base. The
// evaluation uses it to compare chunk sizes without touching the user's
// knowledge base and without the original files.
//
// Markdown and plain-text documents get exactly the chunks a fresh ingest
// of their files would give with the same settings. HTML and PDF documents
// keep their lines and headings; list items and paragraphs are recognised
// from the stored lines, as for text.
#pragma once

#include "core/result.h"
#include "ingest/ingest.h"
#include "kb/store.h"

namespace groundline::ingest {

// The document as a loader would have produced it, rebuilt from `version`
// of a document of `kind` ("markdown", "html", "text", "pdf").
ParsedDocument parsed_from_version(const kb::VersionText& version, const std::string& kind);

struct RechunkReport {
  size_t documents = 0;
  int64_t chunks = 0;
};

// Copies the current version of every document of `from` into `to` (an
// empty knowledge base, in one batch), chunked with `config`'s settings.
Result<RechunkReport> rechunk_into(kb::Store& from, kb::Store& to, const IngestConfig& config);

}  // namespace groundline::ingest
