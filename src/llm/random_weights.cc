#include "llm/random_weights.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace groundline::llm {

namespace {

// Where each block format keeps its half-precision scales (d, and the
// minimum or dmin where it has one).
std::vector<size_t> half_fields(TensorType type) {
  switch (type) {
    case TensorType::kQ8_0:
    case TensorType::kQ4_0:
    case TensorType::kQ5_0:
      return {0};
    case TensorType::kQ4_1:
    case TensorType::kQ5_1:
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
      return {0, 2};
    case TensorType::kQ2_K:
      return {80, 82};
    case TensorType::kQ3_K:
      return {108};
    case TensorType::kQ6_K:
      return {208};
    default:
      return {};
  }
}

void put_half(uint8_t* p, float value) {
  uint16_t h = float_to_half(value);
  std::memcpy(p, &h, 2);
}

}  // namespace

uint16_t float_to_half(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const uint32_t sign = (bits >> 16) & 0x8000;
  const float magnitude = std::fabs(value);
  if (std::isnan(value)) return static_cast<uint16_t>(sign | 0x7E00);
  if (magnitude >= 65520.0f) return static_cast<uint16_t>(sign | 0x7C00);
  if (magnitude < 6.103515625e-05f)  // subnormal: steps of 2^-24
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(std::nearbyint(magnitude * 16777216.0f)));
  int exponent;
  float fraction = std::frexp(magnitude, &exponent);  // [0.5, 1)
  auto mantissa = static_cast<uint32_t>(std::nearbyint((fraction * 2.0f - 1.0f) * 1024.0f));
  if (mantissa == 1024) {
    mantissa = 0;
    ++exponent;
  }
  if (exponent + 14 >= 31) return static_cast<uint16_t>(sign | 0x7C00);
  return static_cast<uint16_t>(sign | (static_cast<uint32_t>(exponent + 14) << 10) | mantissa);
}

bool fill_random(TensorType type, uint8_t* out, size_t count, float scale, std::mt19937_64& random) {
  auto layout = layout_of(static_cast<uint32_t>(type));
  if (!layout) return false;
  std::normal_distribution<float> normal(0.0f, scale);
  if (type == TensorType::kF32 || type == TensorType::kF16 || type == TensorType::kBF16) {
    for (size_t i = 0; i < count; ++i) {
      float v = normal(random);
      if (type == TensorType::kF32) {
        std::memcpy(out + 4 * i, &v, 4);
      } else if (type == TensorType::kF16) {
        put_half(out + 2 * i, v);
      } else {
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        auto b = static_cast<uint16_t>(bits >> 16);
        std::memcpy(out + 2 * i, &b, 2);
      }
    }
    return true;
  }
  const size_t blocks = count / layout->block_elements;
  const auto fields = half_fields(type);
  // Each quant step is about scale / 8 (a 4-bit quant spans 16 steps).
  std::uniform_real_distribution<float> step(0.05f * scale, 0.25f * scale);
  for (size_t b = 0; b < blocks; ++b) {
    uint8_t* block = out + b * layout->block_bytes;
    for (size_t i = 0; i < layout->block_bytes; i += 8) {
      uint64_t r = random();
      std::memcpy(block + i, &r, std::min<size_t>(8, layout->block_bytes - i));
    }
    // K types multiply d by sub-block scales of up to 63: keep the product
    // of the same order as for the simple types.
    const float k_factor = layout->block_elements == 256 ? 1.0f / 32.0f : 1.0f;
    for (size_t offset : fields) put_half(block + offset, step(random) * k_factor);
  }
  return true;
}

}  // namespace groundline::llm
