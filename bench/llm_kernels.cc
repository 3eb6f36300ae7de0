// Matrix-vector speed of the engine's kernels: a weight matrix in each
// type times one activation vector, by the scalar and the vector kernels,
// for a matrix that fits in the L2 cache (compute) and one that does not
// (memory). Reports weight bytes read per second.
//
//   build/bench/llm_kernels [--benchmark_filter=Q4_0]
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "llm/kernels.h"
#include "llm/random_weights.h"

namespace {

using namespace groundline::llm;

void BM_DotRows(benchmark::State& state, TensorType type, KernelSet set, size_t rows) {
  if (set == KernelSet::kAvx2 && best_kernels() != KernelSet::kAvx2) {
    state.SkipWithError("no AVX2 on this CPU");
    return;
  }
  const size_t columns = 1536;
  auto layout = layout_of(static_cast<uint32_t>(type));
  const size_t row_bytes = columns / layout->block_elements * layout->block_bytes;
  std::vector<uint8_t> weights(rows * row_bytes);
  std::mt19937_64 random(1);
  fill_random(type, weights.data(), rows * columns, 0.05f, random);
  std::vector<float> values(columns, 0.5f);
  Activations x;
  prepare_activations(values.data(), columns, reads_quantized(type), x);
  std::vector<float> out(rows);
  for (auto _ : state) {
    dot_rows_with(set, type, weights.data(), row_bytes, rows, x, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * weights.size()));
}

void register_all() {
  const std::pair<const char*, TensorType> types[] = {
      {"Q8_0", TensorType::kQ8_0}, {"Q4_0", TensorType::kQ4_0}, {"Q5_0", TensorType::kQ5_0},
      {"Q4_K", TensorType::kQ4_K}, {"Q6_K", TensorType::kQ6_K}, {"F16", TensorType::kF16}};
  for (const auto& [name, type] : types)
    for (KernelSet set : {KernelSet::kScalar, KernelSet::kAvx2})
      for (size_t rows : {128u, 16384u}) {
        std::string label =
            std::string(name) + "/" + kernel_name(set) + (rows == 128 ? "/in-cache" : "/memory");
        benchmark::RegisterBenchmark(label.c_str(), [type = type, set, rows](benchmark::State& s) {
          BM_DotRows(s, type, set, rows);
        })->Unit(benchmark::kMicrosecond);
      }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
