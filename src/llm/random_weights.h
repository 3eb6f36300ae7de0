// Random weights in any supported type, for kernel tests and for model
// files of real shapes used in benchmarks (no real model can be fetched
// here). Quant bytes are uniform; every scale field is a finite half
// drawn around `scale`, so each element is finite and of that order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

#include "llm/gguf.h"

namespace groundline::llm {

// Writes `count` elements of `type` (whole blocks) at `out`. False for a
// type the engine does not know.
bool fill_random(TensorType type, uint8_t* out, size_t count, float scale, std::mt19937_64& random);

// The nearest half-precision float.
uint16_t float_to_half(float value);

}  // namespace groundline::llm
