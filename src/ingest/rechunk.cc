#include "ingest/rechunk.h"

#include "ingest/loaders.h"

namespace groundline::ingest {

namespace {

// What a line is, as the loader of `kind` decides it from normalised lines.
std::vector<LineInfo> classify(const std::vector<std::string>& lines, const std::string& kind) {
  if (kind == "text" || kind == "pdf") {
    auto as_text = load_text(kb::join_lines(lines));
    if (as_text.ok() && as_text->info.size() == lines.size()) return std::move(as_text->info);
  }
  return classify_markdown(lines);
}

}  // namespace

ParsedDocument parsed_from_version(const kb::VersionText& version, const std::string& kind) {
  ParsedDocument doc;
  doc.title = version.title;
  doc.lines = version.lines;
  doc.info = classify(doc.lines, kind);
  for (const auto& h : version.headings)
    if (h.line >= 1 && static_cast<size_t>(h.line) <= doc.info.size())
      doc.info[static_cast<size_t>(h.line) - 1] = {LineKind::kHeading, h.level};
  return doc;
}

namespace {

Status copy_documents(kb::Store& from, kb::Store& to, const IngestConfig& config, RechunkReport& report) {
  GL_ASSIGN_OR_RETURN(auto extractor, MetadataExtractor::create(config));
  GL_ASSIGN_OR_RETURN(auto documents, from.documents());
  const std::string fingerprint = config.fingerprint();
  for (const auto& record : documents) {
    if (record.deleted) continue;
    auto text = from.version_text(record.id);
    if (!text.ok()) return make_error(record.path + ": " + text.message());
    auto chunks = make_chunks(parsed_from_version(*text, record.kind), config.chunking);
    for (auto& chunk : chunks) extractor.tag_chunk(chunk, text->tags);
    kb::DocumentVersion version{
        record.path,          record.kind, record.content_hash,    record.size,
        record.mtime_ns,      text->title, std::move(text->lines), std::move(text->headings),
        std::move(text->tags)};
    auto saved = to.save_document(version, chunks, fingerprint);
    if (!saved.ok()) return make_error(record.path + ": " + saved.message());
    report.documents++;
    report.chunks += static_cast<int64_t>(chunks.size());
  }
  return to.set_meta("ingest_config", config_to_json(config));
}

}  // namespace

Result<RechunkReport> rechunk_into(kb::Store& from, kb::Store& to, const IngestConfig& config) {
  GL_TRY(check_chunk_options(config.chunking));
  RechunkReport report;
  GL_TRY(to.begin_batch());
  if (auto s = copy_documents(from, to, config, report); !s.ok()) {
    to.rollback_batch();
    return s;
  }
  GL_TRY(to.commit_batch());
  return report;
}

}  // namespace groundline::ingest
