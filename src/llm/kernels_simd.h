// The vector kernels behind kernels.h, each in a file compiled for its
// instruction set; kernels.cc calls them only on a CPU that has it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "llm/kernels.h"

namespace groundline::llm::simd {

// False when this build has no AVX2 kernels (not an x86-64 compiler).
extern const bool kAvx2Built;

// The dot product as kernels.h's dot_row, into `out`; false for a type
// without an AVX2 kernel. Raw pointers only: no inline library function
// gets compiled here with instructions other CPUs lack.
bool dot_row_avx2(TensorType type, const uint8_t* row, const ActivationBlock* blocks, const float* values,
                  size_t count, float& out);

}  // namespace groundline::llm::simd
