#include "eval/bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "ingest/ingest.h"
#include "retrieve/search.h"

namespace groundline::eval {

namespace {

namespace fs = std::filesystem;

const char* kProducts[] = {"starter", "pro", "enterprise"};
const char* kCategories[] = {"billing", "authentication", "storage", "api", "admin", "integrations"};

// A vocabulary drawn with Zipf frequencies, as words in running text are:
// the most frequent ranks are English function words (which the index
// drops, as it does in real documentation), the rest made-up content words.
class Vocabulary {
 public:
  Vocabulary(size_t size, std::mt19937& rng) {
    static const char* kFunctionWords[] = {
        "the", "to",  "a",  "and", "of",   "in", "is", "you",  "for", "it",   "on", "your", "that", "with",
        "be",  "can", "if", "are", "this", "or", "as", "from", "by",  "when", "an", "at",   "not",  "will"};
    static const char* kSyllables[] = {"ka", "lo", "mi",  "ten", "ra", "vo",  "sil", "dor", "pe",  "qu",
                                       "an", "zu", "bri", "cel", "fa", "gon", "hi",  "jor", "nex", "ost"};
    std::uniform_int_distribution<int> syllable(0, 19), count(1, 4);
    double total = 0;
    for (size_t i = 0; i < size; ++i) {
      std::string w;
      if (i < std::size(kFunctionWords)) {
        w = kFunctionWords[i];
      } else {
        for (int s = 0, n = count(rng); s < n; ++s) w += kSyllables[syllable(rng)];
        if (i % 7 == 0) w += "s";
      }
      words_.push_back(w);
      total += 1.0 / static_cast<double>(i + 1);
      cdf_.push_back(total);
    }
    for (auto& c : cdf_) c /= total;
  }
  const std::string& draw(std::mt19937& rng) const {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    size_t i = static_cast<size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
    return words_[std::min(i, words_.size() - 1)];
  }

 private:
  std::vector<std::string> words_;
  std::vector<double> cdf_;
};

std::string sentence(const Vocabulary& vocab, std::mt19937& rng) {
  int n = std::uniform_int_distribution<int>(6, 18)(rng);
  std::string s;
  for (int i = 0; i < n; ++i) {
    std::string w = vocab.draw(rng);
    if (i == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    s += (i ? " " : "") + w;
    if (rng() % 40 == 0) s += " E" + std::to_string(100 + rng() % 600);
    if (rng() % 30 == 0) s += " " + std::to_string(rng() % 1000) + " GB";
  }
  return s + ".";
}

std::string page(const Vocabulary& vocab, std::mt19937& rng, size_t target_bytes) {
  std::string out = "---\nproduct: " + std::string(kProducts[rng() % 3]) +
                    "\ncategory: " + kCategories[rng() % 6] + "\nupdated: 202" +
                    std::to_string(3 + rng() % 4) + "-0" + std::to_string(1 + rng() % 9) + "-1" +
                    std::to_string(rng() % 10) + "\n---\n";
  out += "# " + vocab.draw(rng) + " " + vocab.draw(rng) + "\n\n";
  while (out.size() < target_bytes) {
    out += "## " + vocab.draw(rng) + " " + vocab.draw(rng) + " " + vocab.draw(rng) + "\n\n";
    int sentences = std::uniform_int_distribution<int>(4, 7)(rng);
    for (int s = 0; s < sentences; ++s) out += sentence(vocab, rng) + (s % 3 == 2 ? "\n" : " ");
    out += "\n\n";
    if (rng() % 12 == 0)
      out += "| Plan | Limit |\n|---|---|\n| Pro | " + std::to_string(rng() % 500) + " |\n\n";
  }
  return out;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

LatencySummary summarise(std::vector<double> ms, double hits) {
  LatencySummary s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  s.p50_ms = ms[ms.size() / 2];
  s.p99_ms = ms[std::min(ms.size() - 1, static_cast<size_t>(0.99 * static_cast<double>(ms.size())))];
  double sum = 0;
  for (double v : ms) sum += v;
  s.mean_ms = sum / static_cast<double>(ms.size());
  s.mean_hits = hits / static_cast<double>(ms.size());
  return s;
}

Result<LatencySummary> time_searches(kb::Store& store, const std::vector<std::string>& questions,
                                     const std::vector<std::vector<std::string>>& filters) {
  std::vector<double> ms;
  double hits = 0;
  for (size_t i = 0; i < questions.size(); ++i) {
    retrieve::SearchOptions options;
    options.k = 10;
    GL_ASSIGN_OR_RETURN(options.filters, retrieve::parse_filters(filters[i]));
    auto start = std::chrono::steady_clock::now();
    GL_ASSIGN_OR_RETURN(auto found, retrieve::search(store, questions[i], options));
    ms.push_back(ms_since(start));
    hits += static_cast<double>(found.size());
  }
  return summarise(std::move(ms), hits);
}

}  // namespace

Status generate_corpus(const std::string& folder, double megabytes, uint32_t seed) {
  std::mt19937 rng(seed);
  Vocabulary vocab(20000, rng);
  auto total = static_cast<size_t>(megabytes * (1 << 20));
  size_t written = 0;
  for (int f = 0; written < total; ++f) {
    auto dir = fs::path(folder) / ("part" + std::to_string(f / 100));
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return make_error(dir.string() + ": " + ec.message());
    std::string text = page(vocab, rng, 40000 + rng() % 30000);
    std::ofstream out(dir / ("page" + std::to_string(f) + ".md"), std::ios::binary);
    out << text;
    if (!out) return make_error(folder + ": cannot write the corpus");
    written += text.size();
  }
  return {};
}

Result<BenchReport> run_bench(const BenchOptions& options) {
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  if (!fs::exists(options.folder)) {
    log("generating " + std::to_string(static_cast<int>(options.megabytes)) + " MB corpus in " +
        options.folder);
    GL_TRY(generate_corpus(options.folder, options.megabytes, options.seed));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(options.kb + suffix);
  GL_ASSIGN_OR_RETURN(auto store, kb::Store::create(options.kb));
  ingest::IngestOptions ingest_options;
  ingest_options.threads = options.threads;
  BenchReport report;
  log("ingesting");
  auto start = std::chrono::steady_clock::now();
  GL_ASSIGN_OR_RETURN(auto first, ingest::ingest_folder(*store, options.folder, ingest_options));
  GL_TRY(store->publish());
  first.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.files = static_cast<int>(first.files);
  report.megabytes = static_cast<double>(first.bytes_read) / (1 << 20);
  report.chunks = first.chunks_written;
  report.ingest_seconds = first.seconds;
  log("re-ingesting unchanged");
  GL_ASSIGN_OR_RETURN(auto again, ingest::ingest_folder(*store, options.folder, ingest_options));
  report.reingest_seconds = again.seconds;

  std::mt19937 qrng(options.seed + 7);
  std::mt19937 vocab_rng(options.seed);  // the corpus's words: same seed, same draws
  Vocabulary corpus_vocab(20000, vocab_rng);
  std::vector<std::string> questions;
  std::vector<std::vector<std::string>> none, one, two;
  for (int i = 0; i < options.queries; ++i) {
    int words = std::uniform_int_distribution<int>(2, 6)(qrng);
    std::string q;
    for (int w = 0; w < words; ++w) q += corpus_vocab.draw(qrng) + " ";
    if (i % 10 == 0) q += "E" + std::to_string(100 + qrng() % 600);
    questions.push_back(q);
    none.push_back({});
    one.push_back({std::string("product=") + kProducts[qrng() % 3]});
    two.push_back({std::string("category=") + kCategories[qrng() % 6], "updated_after=2025-01-01"});
  }
  log("searching");
  GL_TRY(time_searches(*store, questions, none).status());  // warm the page cache
  GL_ASSIGN_OR_RETURN(report.search, time_searches(*store, questions, none));
  GL_ASSIGN_OR_RETURN(report.search_filtered, time_searches(*store, questions, one));
  GL_ASSIGN_OR_RETURN(report.search_two_filters, time_searches(*store, questions, two));
  return report;
}

}  // namespace groundline::eval
