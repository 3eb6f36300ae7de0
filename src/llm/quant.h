// Weight types: each block format turned back into floats. These are the
// scalar reference definitions; fast kernels must agree with them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "llm/gguf.h"

namespace groundline::llm {

float half_to_float(uint16_t half);
float bfloat_to_float(uint16_t bfloat);
// The half-precision float stored (little-endian) at `p`.
float half_at(const uint8_t* p);

// Block fields the kernels share with the reference: the sixteen 6-bit
// scales of a Q3_K block (from its 12 packed bytes, minus nothing: 0..63),
// and the 6-bit scale and minimum of sub-block j of a Q4_K/Q5_K block
// (from its 12 packed bytes).
void q3_k_scales(const uint8_t* packed, int8_t scales[16]);
void scale_min_k4(int j, const uint8_t* packed, uint8_t& scale, uint8_t& min);
// All eight at once.
void k4_scales(const uint8_t* packed, uint8_t scales[8], uint8_t mins[8]);

// Writes `count` floats from `source`, which holds count / block_elements
// whole blocks of `type` (see layout_of). False for a type it does not know.
bool dequantize(TensorType type, const uint8_t* source, float* out, size_t count);

}  // namespace groundline::llm
