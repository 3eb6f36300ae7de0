// Weight types: each block format turned back into floats. These are the
// scalar reference definitions; fast kernels must agree with them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "llm/gguf.h"

namespace groundline::llm {

float half_to_float(uint16_t half);
float bfloat_to_float(uint16_t bfloat);

// Writes `count` floats from `source`, which holds count / block_elements
// whole blocks of `type` (see layout_of). False for a type it does not know.
bool dequantize(TensorType type, const uint8_t* source, float* out, size_t count);

}  // namespace groundline::llm
