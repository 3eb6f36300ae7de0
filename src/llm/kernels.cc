#include "llm/kernels.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "llm/kernels_simd.h"
#include "llm/quant.h"

namespace groundline::llm {

namespace {

// Σ w[i] * a[i] over n values, w given by `weight(i)`.
template <class Weight>
int32_t integer_dot(const int8_t* a, int n, Weight weight) {
  int32_t sum = 0;
  for (int i = 0; i < n; ++i) sum += weight(i) * a[i];
  return sum;
}

float dot_q8_0(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  float sum = 0;
  for (size_t b = 0; b < blocks; ++b, row += 34) {
    const auto* q = reinterpret_cast<const int8_t*>(row + 2);
    sum += half_at(row) * x[b].d * static_cast<float>(integer_dot(x[b].q, 32, [&](int i) { return q[i]; }));
  }
  return sum;
}

// Q4_0/Q4_1: element i < 16 is the low nibble of qs[i], i >= 16 the high
// nibble of qs[i - 16].
int nibble(const uint8_t* qs, int i) {
  return i < 16 ? qs[i] & 0xF : qs[i - 16] >> 4;
}

float dot_q4_0(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  float sum = 0;
  for (size_t b = 0; b < blocks; ++b, row += 18) {
    int32_t s = integer_dot(x[b].q, 32, [&](int i) { return nibble(row + 2, i) - 8; });
    sum += half_at(row) * x[b].d * static_cast<float>(s);
  }
  return sum;
}

float dot_q4_1(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  float sum = 0;
  for (size_t b = 0; b < blocks; ++b, row += 20) {
    int32_t s = integer_dot(x[b].q, 32, [&](int i) { return nibble(row + 4, i); });
    float qsum = static_cast<float>(x[b].sums[0] + x[b].sums[1]);
    sum += x[b].d * (half_at(row) * static_cast<float>(s) + half_at(row + 2) * qsum);
  }
  return sum;
}

// Q5: the nibble plus bit i of qh as the fifth bit.
int five_bits(const uint8_t* qh_bytes, const uint8_t* qs, int i) {
  uint32_t qh;
  std::memcpy(&qh, qh_bytes, 4);
  return nibble(qs, i) | static_cast<int>(((qh >> i) & 1) << 4);
}

float dot_q5_0(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  float sum = 0;
  for (size_t b = 0; b < blocks; ++b, row += 22) {
    int32_t s = integer_dot(x[b].q, 32, [&](int i) { return five_bits(row + 2, row + 6, i) - 16; });
    sum += half_at(row) * x[b].d * static_cast<float>(s);
  }
  return sum;
}

float dot_q5_1(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  float sum = 0;
  for (size_t b = 0; b < blocks; ++b, row += 24) {
    int32_t s = integer_dot(x[b].q, 32, [&](int i) { return five_bits(row + 4, row + 8, i); });
    float qsum = static_cast<float>(x[b].sums[0] + x[b].sums[1]);
    sum += x[b].d * (half_at(row) * static_cast<float>(s) + half_at(row + 2) * qsum);
  }
  return sum;
}

// The K types: 256 elements per block, eight activation blocks. `values`
// are the block's quants in element order (after any offset), `scales` and
// `mins` per 16 elements; the block computes
// Σ_16-groups d_a * (d * scale * Σ q * a - dmin * min * Σ a).
float k_block(const int8_t* values, const int* scales, const int* mins, float d, float dmin,
              const ActivationBlock* x) {
  float sum = 0;
  for (int g = 0; g < 16; ++g) {
    const ActivationBlock& a = x[g / 2];
    int32_t s = integer_dot(a.q + 16 * (g % 2), 16, [&](int i) { return values[16 * g + i]; });
    sum += a.d * (d * static_cast<float>(scales[g] * s) - dmin * static_cast<float>(mins[g] * a.sums[g % 2]));
  }
  return sum;
}

float dot_q2_k(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  float sum = 0;
  for (size_t b = 0; b < blocks / 8; ++b, row += 84, x += 8) {
    int8_t values[256];
    int scales[16], mins[16];
    const uint8_t* q = row + 16;
    int v = 0, g = 0;
    for (int n = 0; n < 256; n += 128, q += 32)
      for (int shift = 0; shift < 8; shift += 2)
        for (int half = 0; half < 2; ++half, ++g) {
          scales[g] = row[g] & 0xF;
          mins[g] = row[g] >> 4;
          for (int l = 0; l < 16; ++l) values[v++] = static_cast<int8_t>((q[l + 16 * half] >> shift) & 3);
        }
    sum += k_block(values, scales, mins, half_at(row + 80), half_at(row + 82), x);
  }
  return sum;
}

float dot_q3_k(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  float sum = 0;
  for (size_t b = 0; b < blocks / 8; ++b, row += 110, x += 8) {
    int8_t packed[16];
    q3_k_scales(row + 96, packed);
    int8_t values[256];
    int scales[16], mins[16] = {};
    const uint8_t* hmask = row;
    const uint8_t* q = row + 32;
    int v = 0, g = 0;
    uint8_t mask = 1;
    for (int n = 0; n < 256; n += 128, q += 32)
      for (int shift = 0; shift < 8; shift += 2, mask = static_cast<uint8_t>(mask << 1))
        for (int half = 0; half < 2; ++half, ++g) {
          scales[g] = packed[g] - 32;
          for (int l = 16 * half; l < 16 * half + 16; ++l)
            values[v++] = static_cast<int8_t>(((q[l] >> shift) & 3) - ((hmask[l] & mask) ? 0 : 4));
        }
    sum += k_block(values, scales, mins, half_at(row + 108), 0.0f, x);
  }
  return sum;
}

// Q4_K/Q5_K: eight sub-blocks of 32 with 6-bit scales and minimums.
float dot_k4(const uint8_t* row, const ActivationBlock* x, size_t blocks, size_t block_bytes, bool five) {
  float sum = 0;
  for (size_t b = 0; b < blocks / 8; ++b, row += block_bytes, x += 8) {
    const uint8_t* qh = five ? row + 16 : nullptr;
    const uint8_t* ql = row + (five ? 48 : 16);
    int8_t values[256];
    int scales[16], mins[16];
    for (int j = 0; j < 8; ++j) {
      uint8_t sc, m;
      scale_min_k4(j, row + 4, sc, m);
      scales[2 * j] = scales[2 * j + 1] = sc;
      mins[2 * j] = mins[2 * j + 1] = m;
      const uint8_t* q = ql + 32 * (j / 2);
      for (int l = 0; l < 32; ++l) {
        int value = (q[l] >> (4 * (j % 2))) & 0xF;
        if (qh && (qh[l] >> j) & 1) value += 16;
        values[32 * j + l] = static_cast<int8_t>(value);
      }
    }
    sum += k_block(values, scales, mins, half_at(row), half_at(row + 2), x);
  }
  return sum;
}

float dot_q6_k(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  float sum = 0;
  for (size_t b = 0; b < blocks / 8; ++b, row += 210, x += 8) {
    const uint8_t* ql = row;
    const uint8_t* qh = row + 128;
    const auto* sc = reinterpret_cast<const int8_t*>(row + 192);
    int8_t values[256];
    int scales[16], mins[16] = {};
    for (int n = 0; n < 2; ++n, ql += 64, qh += 32)
      for (int l = 0; l < 32; ++l) {
        int8_t* y = values + 128 * n;
        y[l] = static_cast<int8_t>(((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32);
        y[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
        y[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
        y[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
      }
    for (int g = 0; g < 16; ++g) scales[g] = sc[g];
    sum += k_block(values, scales, mins, half_at(row + 208), 0.0f, x);
  }
  return sum;
}

float dot_float(TensorType type, const uint8_t* row, const float* x, size_t n) {
  float sum = 0;
  for (size_t i = 0; i < n; ++i) {
    float w;
    if (type == TensorType::kF32) {
      std::memcpy(&w, row + 4 * i, 4);
    } else {
      uint16_t h;
      std::memcpy(&h, row + 2 * i, 2);
      w = type == TensorType::kF16 ? half_to_float(h) : bfloat_to_float(h);
    }
    sum += w * x[i];
  }
  return sum;
}

float dot_scalar(TensorType type, const uint8_t* row, const Activations& x) {
  const ActivationBlock* a = x.blocks.data();
  const size_t blocks = x.count / 32;
  switch (type) {
    case TensorType::kQ8_0:
      return dot_q8_0(row, a, blocks);
    case TensorType::kQ4_0:
      return dot_q4_0(row, a, blocks);
    case TensorType::kQ4_1:
      return dot_q4_1(row, a, blocks);
    case TensorType::kQ5_0:
      return dot_q5_0(row, a, blocks);
    case TensorType::kQ5_1:
      return dot_q5_1(row, a, blocks);
    case TensorType::kQ2_K:
      return dot_q2_k(row, a, blocks);
    case TensorType::kQ3_K:
      return dot_q3_k(row, a, blocks);
    case TensorType::kQ4_K:
      return dot_k4(row, a, blocks, 144, false);
    case TensorType::kQ5_K:
      return dot_k4(row, a, blocks, 176, true);
    case TensorType::kQ6_K:
      return dot_q6_k(row, a, blocks);
    default:
      return dot_float(type, row, x.values, x.count);
  }
}

bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
  return false;
#endif
}

std::atomic<KernelSet>& active() {
  static std::atomic<KernelSet> set{best_kernels()};
  return set;
}

}  // namespace

bool reads_quantized(TensorType type) {
  return type != TensorType::kF32 && type != TensorType::kF16 && type != TensorType::kBF16;
}

void prepare_activations(const float* values, size_t count, bool quantize, Activations& out) {
  out.values = values;
  out.count = count;
  out.blocks.resize(quantize ? count / 32 : 0);
  for (size_t b = 0; b < out.blocks.size(); ++b) {
    const float* v = values + 32 * b;
    float highest = 0;
    for (int i = 0; i < 32; ++i) highest = std::max(highest, std::fabs(v[i]));
    ActivationBlock& block = out.blocks[b];
    block.d = highest / 127.0f;
    const float inverse = highest > 0 ? 127.0f / highest : 0.0f;
    int sums[2] = {0, 0};
    for (int i = 0; i < 32; ++i) {
      // Adding 1.5 * 2^23 rounds to the nearest integer (ties to even)
      // in the float's low bits, without a call to the C library.
      auto q = static_cast<int8_t>(static_cast<int>((v[i] * inverse + 12582912.0f) - 12582912.0f));
      block.q[i] = q;
      sums[i / 16] += q;
    }
    block.sums[0] = static_cast<int16_t>(sums[0]);
    block.sums[1] = static_cast<int16_t>(sums[1]);
  }
}

KernelSet best_kernels() {
  static const KernelSet best = cpu_has_avx2() && simd::kAvx2Built ? KernelSet::kAvx2 : KernelSet::kScalar;
  return best;
}

KernelSet active_kernels() {
  return active().load(std::memory_order_relaxed);
}

bool use_kernels(KernelSet set) {
  if (set == KernelSet::kAvx2 && best_kernels() != KernelSet::kAvx2) return false;
  active().store(set);
  return true;
}

const char* kernel_name(KernelSet set) {
  return set == KernelSet::kAvx2 ? "avx2" : "scalar";
}

void dot_rows_with(KernelSet set, TensorType type, const uint8_t* rows, size_t row_bytes, size_t count,
                   const Activations& x, float* out) {
  if (set == KernelSet::kAvx2 &&
      simd::dot_rows_avx2(type, rows, row_bytes, count, x.blocks.data(), x.values, x.count, out))
    return;
  for (size_t r = 0; r < count; ++r) out[r] = dot_scalar(type, rows + r * row_bytes, x);
}

void dot_rows(TensorType type, const uint8_t* rows, size_t row_bytes, size_t count, const Activations& x,
              float* out) {
  dot_rows_with(active_kernels(), type, rows, row_bytes, count, x, out);
}

void dot_rows_tokens_with(KernelSet set, TensorType type, const uint8_t* rows, size_t row_bytes, size_t count,
                          const Activations* const* x, size_t tokens, float* const* out) {
  size_t t = 0;
  if (set == KernelSet::kAvx2 && reads_quantized(type)) {
    for (; t + simd::kTokensAtOnce <= tokens; t += simd::kTokensAtOnce) {
      const ActivationBlock* blocks[simd::kTokensAtOnce];
      for (size_t k = 0; k < simd::kTokensAtOnce; ++k) blocks[k] = x[t + k]->blocks.data();
      if (!simd::dot_rows_tokens_avx2(type, rows, row_bytes, count, blocks, x[t]->count, out + t)) break;
    }
  }
  for (; t < tokens; ++t) dot_rows_with(set, type, rows, row_bytes, count, *x[t], out[t]);
}

void dot_rows_tokens(TensorType type, const uint8_t* rows, size_t row_bytes, size_t count,
                     const Activations* const* x, size_t tokens, float* const* out) {
  dot_rows_tokens_with(active_kernels(), type, rows, row_bytes, count, x, tokens, out);
}

float dot_row_with(KernelSet set, TensorType type, const uint8_t* row, const Activations& x) {
  float out = 0;
  dot_rows_with(set, type, row, 0, 1, x, &out);
  return out;
}

float dot_floats(const float* a, const float* b, size_t n) {
  Activations x;
  x.values = b;
  x.count = n;
  float out = 0;
  dot_rows(TensorType::kF32, reinterpret_cast<const uint8_t*>(a), 0, 1, x, &out);
  return out;
}

}  // namespace groundline::llm
