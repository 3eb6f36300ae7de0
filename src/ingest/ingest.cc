#include "ingest/ingest.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <set>

#include "core/hash.h"
#include "core/thread_pool.h"
#include "core/words.h"

namespace groundline::ingest {

namespace fs = std::filesystem;

namespace {

struct SourceFile {
  std::string path;  // relative, '/'-separated
  fs::path absolute;
  DocumentKind kind = DocumentKind::kUnsupported;
  int64_t size = 0;
  int64_t mtime_ns = 0;
};

struct FileOutcome {
  enum class What { kTouch, kStore, kFail } what = What::kFail;
  std::string reason;
  std::optional<kb::PreparedDocument> prepared;  // here, in parallel, rather than in the single writer
  int64_t bytes = 0;
};

bool is_hidden(const fs::path& p) {
  auto name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

std::string format_mb(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

int64_t mtime_ns_of(const fs::directory_entry& entry) {
  std::error_code ec;
  auto t = entry.last_write_time(ec);
  if (ec) return 0;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Every file under root (or root itself), hidden entries skipped, sorted.
Result<std::vector<SourceFile>> list_files(const std::string& root) {
  std::error_code ec;
  fs::path base(root);
  auto status = fs::status(base, ec);
  if (ec || !fs::exists(status)) return make_error(root + ": no such file or folder");
  std::vector<SourceFile> files;
  auto add = [&](const fs::directory_entry& entry, const std::string& rel) {
    SourceFile f;
    f.path = rel;
    f.absolute = entry.path();
    f.kind = kind_of(rel);
    std::error_code size_ec;
    f.size = static_cast<int64_t>(entry.file_size(size_ec));
    f.mtime_ns = mtime_ns_of(entry);
    files.push_back(std::move(f));
  };
  if (fs::is_regular_file(status)) {
    add(fs::directory_entry(base), base.filename().string());
    return files;
  }
  fs::recursive_directory_iterator it(base, fs::directory_options::skip_permission_denied, ec);
  if (ec) return make_error(root + ": cannot list folder: " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return make_error(root + ": cannot list folder: " + ec.message());
    if (is_hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    add(*it, it->path().lexically_relative(base).generic_string());
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

Result<std::string> read_file(const fs::path& path, int64_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(std::string("cannot read: ") + std::strerror(errno));
  std::string bytes;
  in.seekg(0, std::ios::end);
  auto size = static_cast<int64_t>(in.tellg());
  if (size > limit)
    return make_error("file is " + format_mb(size) + ", over the limit of " + format_mb(limit));
  in.seekg(0);
  bytes.resize(static_cast<size_t>(std::max<int64_t>(size, 0)));
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in && size > 0) return make_error(std::string("cannot read: ") + std::strerror(errno));
  return bytes;
}

bool looks_binary(std::string_view bytes) {
  return bytes.substr(0, 1 << 16).find('\0') != std::string_view::npos;
}

bool has_words(const std::vector<std::string>& lines) {
  for (const auto& line : lines) {
    bool found = false;
    core::for_each_word(line, [&](std::string_view, size_t, size_t) { found = true; });
    if (found) return true;
  }
  return false;
}

std::string default_title(const std::string& path) {
  return fs::path(path).stem().string();
}

Result<ProcessedDocument> build_document(std::string_view bytes, const std::string& hash,
                                         const std::string& path, const MetadataExtractor& extractor,
                                         const IngestConfig& config);

FileOutcome process_file(const SourceFile& file, const kb::DocumentRecord* existing,
                         const MetadataExtractor& extractor, const IngestConfig& config,
                         const std::string& fingerprint, kb::TermDictionary& dictionary) {
  FileOutcome outcome;
  auto bytes = read_file(file.absolute, config.max_file_bytes);
  if (!bytes.ok()) {
    outcome.reason = bytes.message();
    return outcome;
  }
  outcome.bytes = static_cast<int64_t>(bytes->size());
  std::string hash = core::content_hash(*bytes);
  if (existing && !existing->deleted && existing->content_hash == hash &&
      existing->index_config == fingerprint) {
    outcome.what = FileOutcome::What::kTouch;
    return outcome;
  }
  auto processed = build_document(*bytes, hash, file.path, extractor, config);
  if (!processed.ok()) {
    outcome.reason = processed.message();
    return outcome;
  }
  processed->version.size = file.size;
  processed->version.mtime_ns = file.mtime_ns;
  outcome.prepared =
      kb::prepare_document(std::move(processed->version), std::move(processed->chunks), dictionary);
  outcome.what = FileOutcome::What::kStore;
  return outcome;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<ProcessedDocument> process_document(std::string_view bytes, const std::string& path,
                                           const MetadataExtractor& extractor, const IngestConfig& config) {
  return build_document(bytes, core::content_hash(bytes), path, extractor, config);
}

namespace {

Result<ProcessedDocument> build_document(std::string_view bytes, const std::string& hash,
                                         const std::string& path, const MetadataExtractor& extractor,
                                         const IngestConfig& config) {
  DocumentKind kind = kind_of(path);
  if (bytes.empty()) return make_error("empty file");
  if (kind != DocumentKind::kPdf && looks_binary(bytes)) return make_error("binary file, not text");
  GL_ASSIGN_OR_RETURN(ParsedDocument doc, load_document(kind, bytes));
  if (!has_words(doc.lines))
    return make_error(kind == DocumentKind::kPdf ? "no extractable text (a scanned PDF?)"
                                                 : "no text: the document is empty");
  if (doc.title.empty()) doc.title = default_title(path);
  GL_ASSIGN_OR_RETURN(auto tags, extractor.document_tags(doc));
  ProcessedDocument out;
  out.chunks = make_chunks(doc, config.chunking);
  for (auto& chunk : out.chunks) extractor.tag_chunk(chunk, tags);
  auto& v = out.version;
  v.path = path;
  v.kind = kind_name(kind);
  v.content_hash = hash;
  v.size = static_cast<int64_t>(bytes.size());
  v.title = doc.title;
  v.headings = headings_of(doc);
  v.tags = std::move(tags);
  v.lines = std::move(doc.lines);
  return out;
}

}  // namespace

Result<IngestReport> ingest_folder(kb::Store& store, const std::string& folder,
                                   const IngestOptions& options) {
  auto start = std::chrono::steady_clock::now();
  GL_TRY(check_chunk_options(options.config.chunking));
  GL_ASSIGN_OR_RETURN(auto files, list_files(folder));
  GL_ASSIGN_OR_RETURN(auto extractor, MetadataExtractor::create(options.config));
  GL_ASSIGN_OR_RETURN(auto stored, store.documents());
  std::map<std::string, kb::DocumentRecord> known;
  for (auto& d : stored) known.emplace(d.path, std::move(d));
  const std::string fingerprint = options.config.fingerprint();

  IngestReport report;
  std::vector<std::pair<const SourceFile*, const kb::DocumentRecord*>> work;
  std::set<std::string> seen;
  for (const auto& f : files) {
    if (f.kind == DocumentKind::kUnsupported) {
      report.skipped++;
      continue;
    }
    report.files++;
    seen.insert(f.path);
    auto it = known.find(f.path);
    const kb::DocumentRecord* existing = it == known.end() ? nullptr : &it->second;
    if (existing && !existing->deleted && existing->index_config == fingerprint && existing->size == f.size &&
        existing->mtime_ns == f.mtime_ns) {
      report.unchanged++;
      continue;
    }
    work.emplace_back(&f, existing);
  }

  GL_TRY(store.begin_batch());
  kb::TermDictionary& dictionary = store.term_dictionary();
  core::ThreadPool pool(options.threads);
  std::deque<std::future<FileOutcome>> pending;
  size_t next = 0, done = 0;
  IngestProgress progress{0, work.size(), 0, 0, 0};
  auto last_report = std::chrono::steady_clock::now();
  auto fail = [&](const Status& s) {
    store.rollback_batch();
    return s.error();
  };
  while (done < work.size()) {
    bool cancelled = options.cancel && options.cancel->load();
    while (!cancelled && next < work.size() && pending.size() < 2 * pool.size() + 2) {
      auto [file, existing] = work[next++];
      pending.push_back(pool.submit([&, file, existing] {
        return process_file(*file, existing, extractor, options.config, fingerprint, dictionary);
      }));
    }
    if (cancelled) {
      for (auto& f : pending) f.wait();
      store.rollback_batch();
      report.cancelled = true;
      report.seconds = seconds_since(start);
      return report;
    }
    FileOutcome outcome = pending.front().get();
    pending.pop_front();
    auto [file, existing] = work[done++];
    report.bytes_read += outcome.bytes;
    switch (outcome.what) {
      case FileOutcome::What::kFail:
        report.failures.push_back({file->path, outcome.reason});
        break;
      case FileOutcome::What::kTouch:
        if (auto s = store.touch_document(existing->id, file->size, file->mtime_ns); !s.ok()) return fail(s);
        report.unchanged++;
        break;
      case FileOutcome::What::kStore: {
        auto& p = *outcome.prepared;
        auto version = store.save_document(p, fingerprint);
        if (!version.ok()) return fail(version.status());
        report.chunks_written += static_cast<int64_t>(p.chunks.size());
        if (!existing)
          report.added++;
        else if (existing->content_hash != p.version.content_hash)
          report.updated++;
        else
          report.rechunked++;
        // Freed by a worker: a document is many small allocations.
        pool.submit([doomed = std::make_shared<FileOutcome>(std::move(outcome))] {});
        break;
      }
    }
    progress.files_done = done;
    progress.bytes_done = report.bytes_read;
    progress.chunks = report.chunks_written;
    if (options.on_progress &&
        std::chrono::steady_clock::now() - last_report > std::chrono::milliseconds(100)) {
      progress.seconds = seconds_since(start);
      options.on_progress(progress);
      last_report = std::chrono::steady_clock::now();
    }
  }
  for (const auto& [path, record] : known) {
    if (record.deleted || seen.count(path)) continue;
    if (auto s = store.mark_deleted(record.id); !s.ok()) return fail(s);
    report.deleted++;
  }
  if (auto s = store.set_meta("ingest_config", config_to_json(options.config)); !s.ok()) return fail(s);
  if (auto s = store.commit_batch(); !s.ok()) return fail(s);
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace groundline::ingest
