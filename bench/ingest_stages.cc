// CPU cost of each stage of ingestion on one thread, per byte of Markdown:
// loading (normalisation and line classes), chunking, metadata, and
// preparing rows and postings for the writer. The corpus is `groundline
// bench`'s generator, 8 MB, made once in a temporary folder.
//
//   build/bench/ingest_stages [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "eval/bench.h"
#include "ingest/chunker.h"
#include "ingest/loaders.h"
#include "ingest/metadata.h"
#include "kb/store.h"

namespace {

namespace fs = std::filesystem;
using namespace groundline;

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> files = [] {
    fs::path dir = fs::temp_directory_path() / "groundline_ingest_stages";
    if (!fs::exists(dir) && !eval::generate_corpus(dir.string(), 8, 42).ok()) std::abort();
    std::vector<std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      out.push_back(bytes.str());
    }
    return out;
  }();
  return files;
}

int64_t corpus_bytes() {
  int64_t n = 0;
  for (const auto& f : corpus()) n += static_cast<int64_t>(f.size());
  return n;
}

std::vector<ingest::ParsedDocument> loaded() {
  std::vector<ingest::ParsedDocument> docs;
  for (const auto& f : corpus()) docs.push_back(*ingest::load_markdown(f));
  return docs;
}

void BM_Load(benchmark::State& state) {
  for (auto _ : state)
    for (const auto& f : corpus()) benchmark::DoNotOptimize(ingest::load_markdown(f));
  state.SetBytesProcessed(state.iterations() * corpus_bytes());
}

void BM_Chunk(benchmark::State& state) {
  auto docs = loaded();
  for (auto _ : state)
    for (const auto& d : docs) benchmark::DoNotOptimize(ingest::make_chunks(d, {}));
  state.SetBytesProcessed(state.iterations() * corpus_bytes());
}

void BM_Metadata(benchmark::State& state) {
  auto docs = loaded();
  auto created = ingest::MetadataExtractor::create({});
  const auto& extractor = *created;
  std::vector<std::vector<kb::Chunk>> chunks;
  for (const auto& d : docs) chunks.push_back(ingest::make_chunks(d, {}));
  for (auto _ : state) {
    for (size_t i = 0; i < docs.size(); ++i) {
      auto tags = *extractor.document_tags(docs[i]);
      for (auto& c : chunks[i]) extractor.tag_chunk(c, tags);
    }
  }
  state.SetBytesProcessed(state.iterations() * corpus_bytes());
}

void BM_Prepare(benchmark::State& state) {
  auto docs = loaded();
  std::vector<kb::DocumentVersion> versions;
  std::vector<std::vector<kb::Chunk>> chunks;
  for (const auto& d : docs) {
    kb::DocumentVersion v;
    v.lines = d.lines;
    v.headings = ingest::headings_of(d);
    versions.push_back(std::move(v));
    chunks.push_back(ingest::make_chunks(d, {}));
  }
  kb::TermDictionary dictionary;
  for (auto _ : state)
    for (size_t i = 0; i < docs.size(); ++i)
      benchmark::DoNotOptimize(kb::prepare_document(versions[i], chunks[i], dictionary));
  state.SetBytesProcessed(state.iterations() * corpus_bytes());
}

BENCHMARK(BM_Load)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Chunk)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Metadata)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Prepare)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
