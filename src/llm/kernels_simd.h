// The vector kernels behind kernels.h, each in a file compiled for its
// instruction set; kernels.cc calls them only on a CPU that has it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "llm/kernels.h"

namespace groundline::llm::simd {

// False when this build has no AVX2 kernels (not an x86-64 compiler).
extern const bool kAvx2Built;

// kernels.h's dot_rows by AVX2 kernels (`n` elements per row); false for
// a type without one. Raw pointers only: no inline library function gets
// compiled here with instructions other CPUs lack.
bool dot_rows_avx2(TensorType type, const uint8_t* rows, size_t row_bytes, size_t count,
                   const ActivationBlock* blocks, const float* values, size_t n, float* out);

// The same for kTokensAtOnce activation vectors `x` at once: out[t][r].
// False for a type without such a kernel.
constexpr size_t kTokensAtOnce = 4;
bool dot_rows_tokens_avx2(TensorType type, const uint8_t* rows, size_t row_bytes, size_t count,
                          const ActivationBlock* const* x, size_t n, float* const* out);

}  // namespace groundline::llm::simd
