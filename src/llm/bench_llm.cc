#include "llm/bench_llm.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <vector>

#include "llm/compute_team.h"
#include "llm/gguf.h"
#include "llm/kernels.h"
#include "llm/model.h"

namespace groundline::llm {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// "Q4_K 70%, Q6_K 30%" by bytes, over the matrices.
std::string type_mix(const GgufFile& file) {
  std::map<std::string, uint64_t> bytes;
  uint64_t total = 0;
  for (const auto& t : file.tensors()) {
    if (t.dims.size() < 2) continue;
    bytes[layout_of(static_cast<uint32_t>(t.type))->name] += t.bytes;
    total += t.bytes;
  }
  std::vector<std::pair<uint64_t, std::string>> order;
  for (const auto& [name, b] : bytes) order.emplace_back(b, name);
  std::sort(order.rbegin(), order.rend());
  std::string out;
  for (const auto& [b, name] : order) {
    if (!out.empty()) out += ", ";
    out += name;
    if (order.size() > 1) out += " " + std::to_string(static_cast<int>(100.0 * b / total + 0.5)) + "%";
  }
  return out;
}

// Bytes read to decode one token: every tensor, but only one row of the
// token embedding unless it is also the output matrix.
uint64_t bytes_per_token(const GgufFile& file, int vocabulary) {
  const bool tied = file.tensor("output.weight") == nullptr;
  uint64_t total = 0;
  for (const auto& t : file.tensors())
    total += (t.name == "token_embd.weight" && !tied) ? t.bytes / static_cast<uint64_t>(vocabulary) : t.bytes;
  return total;
}

Token argmax(const std::vector<float>& logits) {
  return static_cast<Token>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

}  // namespace

double measure_read_bandwidth(int threads) {
  const size_t words = (size_t{512} << 20) / sizeof(uint64_t);
  std::vector<uint64_t> buffer(words, 1);
  ComputeTeam team(static_cast<size_t>(std::max(threads, 1)));
  std::vector<uint64_t> sums(team.size());
  double best = 0;
  for (int pass = 0; pass < 4; ++pass) {
    auto start = std::chrono::steady_clock::now();
    team.run(
        [&](size_t part) {
          const size_t begin = words * part / team.size(), end = words * (part + 1) / team.size();
          uint64_t a = 0, b = 0, c = 0, d = 0;
          for (size_t i = begin; i + 4 <= end; i += 4) {
            a += buffer[i];
            b += buffer[i + 1];
            c += buffer[i + 2];
            d += buffer[i + 3];
          }
          sums[part] = a + b + c + d;
        },
        team.size());
    double rate = static_cast<double>(words * sizeof(uint64_t)) / seconds_since(start);
    if (sums[0] != 0) best = std::max(best, rate);  // the sums keep the reads
  }
  return best;
}

Result<LlmBenchReport> run_llm_bench(const LlmBenchOptions& options) {
  if (options.prompt_tokens < 1 || options.generate_tokens < 1)
    return make_error("the prompt and the generation need at least one token each");
  GL_ASSIGN_OR_RETURN(auto file, GgufFile::open(options.model));
  GL_ASSIGN_OR_RETURN(auto model, Model::load(file));
  model.set_threads(static_cast<size_t>(std::max(options.threads, 1)));
  const ModelShape& shape = model.shape();
  LlmBenchReport r;
  r.name = file.find("general.name") ? file.get_string("general.name").value() : options.model;
  r.architecture = file.get_string("general.architecture").value();
  r.weight_types = type_mix(file);
  r.kernels = kernel_name(active_kernels());
  r.layers = shape.layers;
  r.threads = static_cast<int>(model.threads());
  r.prompt_tokens = options.prompt_tokens;
  r.generate_tokens = options.generate_tokens;
  for (const auto& t : file.tensors()) r.model_bytes += t.bytes;
  r.bytes_per_token = bytes_per_token(file, shape.vocabulary);

  std::mt19937_64 random(options.seed);
  std::vector<Token> prompt(static_cast<size_t>(options.prompt_tokens));
  for (auto& t : prompt) t = static_cast<Token>(random() % static_cast<uint64_t>(shape.vocabulary));
  KvCache cache(shape, options.prompt_tokens + options.generate_tokens);
  auto start = std::chrono::steady_clock::now();
  GL_ASSIGN_OR_RETURN(auto logits, model.forward(prompt, cache));
  r.prefill_tokens_per_second = options.prompt_tokens / seconds_since(start);
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < options.generate_tokens; ++i) {
    GL_ASSIGN_OR_RETURN(logits, model.forward({argmax(logits)}, cache));
  }
  r.decode_tokens_per_second = options.generate_tokens / seconds_since(start);
  double bandwidth = measure_read_bandwidth(r.threads);
  r.bandwidth_gb_per_second = bandwidth / 1e9;
  r.decode_limit_tokens_per_second = bandwidth / static_cast<double>(r.bytes_per_token);
  return r;
}

}  // namespace groundline::llm
