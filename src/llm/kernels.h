// Matrix-vector kernels: a weight row in its stored type times an
// activation vector. Quantized weights are multiplied in integers against
// the activations quantized once per vector to 8 bits in blocks of 32 (one
// float scale per block); float weights (F32, F16, BF16) against the float
// activations. Each weight type has a portable scalar kernel, the
// reference; where the CPU has AVX2 (with FMA and F16C) the types that
// matter for speed (Q8_0, Q4_0, Q5_0, Q4_K, Q6_K, F16, F32) have vector kernels,
// chosen at run time and tested against the scalar ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "llm/gguf.h"

namespace groundline::llm {

// 32 activations: value i is d * q[i]; sums[h] is the sum of q over half h.
struct ActivationBlock {
  float d = 0;
  int16_t sums[2] = {0, 0};
  int8_t q[32] = {};
};

// An activation vector in both forms the kernels read.
struct Activations {
  const float* values = nullptr;  // not owned; `count` floats
  size_t count = 0;
  std::vector<ActivationBlock> blocks;  // count / 32 of them when quantized
};

// True for the weight types whose kernels read `blocks` (the quantized
// ones); the float types read `values`.
bool reads_quantized(TensorType type);

// Fills `out` for `count` floats (a multiple of 32 when `quantize`).
void prepare_activations(const float* values, size_t count, bool quantize, Activations& out);

enum class KernelSet { kScalar, kAvx2 };

// The best set this CPU runs, and the one in use (the best, unless a test
// chose another).
KernelSet best_kernels();
KernelSet active_kernels();
// For tests and benchmarks: false when the CPU cannot run `set`.
bool use_kernels(KernelSet set);
const char* kernel_name(KernelSet set);

// out[r] = the dot product of weight row r with the activations, for
// `count` rows (`x.count` elements of `type` each, whole blocks) that start
// `row_bytes` apart, by the active kernels.
void dot_rows(TensorType type, const uint8_t* rows, size_t row_bytes, size_t count, const Activations& x,
              float* out);
// dot_rows for several activation vectors of the same length at once
// (x[t] -> out[t]); the same results, faster where a kernel reads each
// weight block once for several vectors.
void dot_rows_tokens(TensorType type, const uint8_t* rows, size_t row_bytes, size_t count,
                     const Activations* const* x, size_t tokens, float* const* out);
// The same by one set, for tests and benchmarks.
void dot_rows_tokens_with(KernelSet set, TensorType type, const uint8_t* rows, size_t row_bytes, size_t count,
                          const Activations* const* x, size_t tokens, float* const* out);
// dot_rows by one set, for tests and benchmarks.
void dot_rows_with(KernelSet set, TensorType type, const uint8_t* rows, size_t row_bytes, size_t count,
                   const Activations& x, float* out);
// One row.
float dot_row_with(KernelSet set, TensorType type, const uint8_t* row, const Activations& x);
// Σ a[i] * b[i] over n floats, by the active kernels.
float dot_floats(const float* a, const float* b, size_t n);

}  // namespace groundline::llm
