// AVX2 kernels (with FMA and F16C): this file alone is compiled with those
// instructions enabled, and runs only where the CPU has them.
#include "llm/kernels_simd.h"

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#include <immintrin.h>

#include "llm/quant.h"

namespace groundline::llm::simd {

const bool kAvx2Built = true;

namespace {

float half(const uint8_t* p) {
  uint16_t h;
  __builtin_memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

__m256i load32(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

float horizontal_sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Eight partial sums of w[i] * a[i] over 32 signed bytes each, as floats.
__m256 signed_dot(__m256i w, __m256i a) {
  __m256i products = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(products, _mm256_set1_epi16(1)));
}

// The same for unsigned w (below 128).
__m256 unsigned_dot(__m256i w, __m256i a) {
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(w, a), _mm256_set1_epi16(1)));
}

// The 32 weights of a Q4_0 block as signed bytes.
__m256i q4_0_weights(const uint8_t* block) {
  __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2));
  __m256i w = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
  return _mm256_sub_epi8(w, _mm256_set1_epi8(8));
}

// Pairs of blocks go to two accumulators, so that a block's multiply-add
// does not wait for the previous one's.
template <class Weights>
float blocks_dot(const uint8_t* row, size_t block_bytes, const ActivationBlock* x, size_t blocks,
                 Weights weights) {
  __m256 even = _mm256_setzero_ps(), odd = _mm256_setzero_ps();
  size_t b = 0;
  for (; b + 2 <= blocks; b += 2, row += 2 * block_bytes) {
    __m256 d0 = _mm256_set1_ps(half(row) * x[b].d);
    __m256 d1 = _mm256_set1_ps(half(row + block_bytes) * x[b + 1].d);
    even = _mm256_fmadd_ps(d0, signed_dot(weights(row), load32(x[b].q)), even);
    odd = _mm256_fmadd_ps(d1, signed_dot(weights(row + block_bytes), load32(x[b + 1].q)), odd);
  }
  if (b < blocks)
    even =
        _mm256_fmadd_ps(_mm256_set1_ps(half(row) * x[b].d), signed_dot(weights(row), load32(x[b].q)), even);
  return horizontal_sum(_mm256_add_ps(even, odd));
}

// blocks_dot for kTokens activation vectors at once: each weight block is
// unpacked once for all of them. Each result is computed exactly as
// blocks_dot computes it (same products, same order of sums).
constexpr size_t kTokens = 4;

template <class Weights>
void blocks_dot_tokens(const uint8_t* row, size_t block_bytes, const ActivationBlock* const* x, size_t blocks,
                       Weights weights, float* out) {
  __m256 even[kTokens], odd[kTokens];
  for (size_t t = 0; t < kTokens; ++t) even[t] = odd[t] = _mm256_setzero_ps();
  size_t b = 0;
  for (; b + 2 <= blocks; b += 2, row += 2 * block_bytes) {
    const float d0 = half(row), d1 = half(row + block_bytes);
    const __m256i w0 = weights(row), w1 = weights(row + block_bytes);
    const __m256i magnitude0 = _mm256_sign_epi8(w0, w0), magnitude1 = _mm256_sign_epi8(w1, w1);
    for (size_t t = 0; t < kTokens; ++t) {
      const ActivationBlock& a0 = x[t][b];
      const ActivationBlock& a1 = x[t][b + 1];
      __m256i p0 = _mm256_maddubs_epi16(magnitude0, _mm256_sign_epi8(load32(a0.q), w0));
      __m256i p1 = _mm256_maddubs_epi16(magnitude1, _mm256_sign_epi8(load32(a1.q), w1));
      even[t] = _mm256_fmadd_ps(_mm256_set1_ps(d0 * a0.d),
                                _mm256_cvtepi32_ps(_mm256_madd_epi16(p0, _mm256_set1_epi16(1))), even[t]);
      odd[t] = _mm256_fmadd_ps(_mm256_set1_ps(d1 * a1.d),
                               _mm256_cvtepi32_ps(_mm256_madd_epi16(p1, _mm256_set1_epi16(1))), odd[t]);
    }
  }
  if (b < blocks) {
    const __m256i w = weights(row);
    for (size_t t = 0; t < kTokens; ++t)
      even[t] =
          _mm256_fmadd_ps(_mm256_set1_ps(half(row) * x[t][b].d), signed_dot(w, load32(x[t][b].q)), even[t]);
  }
  for (size_t t = 0; t < kTokens; ++t) out[t] = horizontal_sum(_mm256_add_ps(even[t], odd[t]));
}

float dot_q4_0(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  return blocks_dot(row, 18, x, blocks, q4_0_weights);
}

__m256i q8_0_weights(const uint8_t* block) {
  return load32(block + 2);
}

float dot_q8_0(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  return blocks_dot(row, 34, x, blocks, q8_0_weights);
}

// Byte i is 0x10 where bit i of `bits` is set, else 0.
__m256i fifth_bits(const uint8_t* p) {
  uint32_t bits;
  __builtin_memcpy(&bits, p, 4);
  const __m256i select = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2,
                                          2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
  __m256i spread =
      _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), select), bit);
  return _mm256_and_si256(_mm256_cmpeq_epi8(spread, bit), _mm256_set1_epi8(0x10));
}

__m256i q5_0_weights(const uint8_t* block) {
  __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 6));
  __m256i w = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
  return _mm256_sub_epi8(_mm256_or_si256(w, fifth_bits(block + 2)), _mm256_set1_epi8(16));
}

float dot_q5_0(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  return blocks_dot(row, 22, x, blocks, q5_0_weights);
}

float dot_q4_k(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  float mins = 0;
  for (size_t b = 0; b < blocks / 8; ++b, row += 144, x += 8) {
    const float d = half(row), dmin = half(row + 2);
    uint8_t scale[8], min[8];
    k4_scales(row + 4, scale, min);
    for (int k = 0; k < 4; ++k) {
      __m256i q = load32(row + 16 + 32 * k);
      __m256i nibbles[2] = {_mm256_and_si256(q, low4), _mm256_and_si256(_mm256_srli_epi16(q, 4), low4)};
      for (int h = 0; h < 2; ++h) {
        const int j = 2 * k + h;
        const ActivationBlock& a = x[j];
        acc[h] = _mm256_fmadd_ps(_mm256_set1_ps(d * scale[j] * a.d), unsigned_dot(nibbles[h], load32(a.q)),
                                 acc[h]);
        mins += dmin * min[j] * a.d * static_cast<float>(a.sums[0] + a.sums[1]);
      }
    }
  }
  return horizontal_sum(_mm256_add_ps(acc[0], acc[1])) - mins;
}

float dot_q6_k(const uint8_t* row, const ActivationBlock* x, size_t blocks) {
  const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(0x03);
  __m256 acc = _mm256_setzero_ps();
  float offset = 0;
  for (size_t b = 0; b < blocks / 8; ++b, row += 210) {
    const float d = half(row + 208);
    const auto* scales = reinterpret_cast<const int8_t*>(row + 192);
    for (int n = 0; n < 2; ++n, x += 4) {
      __m256i ql0 = load32(row + 64 * n), ql1 = load32(row + 64 * n + 32), qh = load32(row + 128 + 32 * n);
      auto high = [&](int shift) {
        return _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, shift), low2), 4);
      };
      __m256i groups[4] = {
          _mm256_or_si256(_mm256_and_si256(ql0, low4), high(0)),
          _mm256_or_si256(_mm256_and_si256(ql1, low4), high(2)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), high(4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4), high(6)),
      };
      for (int g = 0; g < 4; ++g) {
        const int s0 = scales[8 * n + 2 * g], s1 = scales[8 * n + 2 * g + 1];
        const ActivationBlock& a = x[g];
        __m256i weights = _mm256_set_m128i(_mm_set1_epi16(static_cast<int16_t>(s1)),
                                           _mm_set1_epi16(static_cast<int16_t>(s0)));
        __m256i sums = _mm256_madd_epi16(_mm256_maddubs_epi16(groups[g], load32(a.q)), weights);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d * a.d), _mm256_cvtepi32_ps(sums), acc);
        offset += d * a.d * 32.0f * static_cast<float>(s0 * a.sums[0] + s1 * a.sums[1]);
      }
    }
  }
  return horizontal_sum(acc) - offset;
}

template <class Load>
float dot_floats(const uint8_t* row, const float* x, size_t n, size_t element_bytes, Load load) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(load(row + i * element_bytes), _mm256_loadu_ps(x + i), acc0);
    acc1 = _mm256_fmadd_ps(load(row + (i + 8) * element_bytes), _mm256_loadu_ps(x + i + 8), acc1);
  }
  float sum = horizontal_sum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) {
    float w;
    if (element_bytes == 4)
      __builtin_memcpy(&w, row + 4 * i, 4);
    else
      w = half(row + 2 * i);
    sum += w * x[i];
  }
  return sum;
}

}  // namespace

namespace {

// Rows are read in order; the row after next is fetched while this one is
// multiplied, so its bytes arrive before they are needed.
template <class Kernel>
void each_row(const uint8_t* rows, size_t row_bytes, size_t count, float* out, Kernel kernel) {
  for (size_t r = 0; r < count; ++r) {
    const uint8_t* ahead = rows + (r + 2) * row_bytes;
    for (size_t line = 0; line < row_bytes; line += 64)
      _mm_prefetch(reinterpret_cast<const char*>(ahead + line), _MM_HINT_T0);
    out[r] = kernel(rows + r * row_bytes);
  }
}

}  // namespace

bool dot_rows_avx2(TensorType type, const uint8_t* rows, size_t row_bytes, size_t count,
                   const ActivationBlock* a, const float* values, size_t n, float* out) {
  const size_t blocks = n / 32;
  switch (type) {
    case TensorType::kQ8_0:
      each_row(rows, row_bytes, count, out, [&](const uint8_t* row) { return dot_q8_0(row, a, blocks); });
      return true;
    case TensorType::kQ4_0:
      each_row(rows, row_bytes, count, out, [&](const uint8_t* row) { return dot_q4_0(row, a, blocks); });
      return true;
    case TensorType::kQ5_0:
      each_row(rows, row_bytes, count, out, [&](const uint8_t* row) { return dot_q5_0(row, a, blocks); });
      return true;
    case TensorType::kQ4_K:
      each_row(rows, row_bytes, count, out, [&](const uint8_t* row) { return dot_q4_k(row, a, blocks); });
      return true;
    case TensorType::kQ6_K:
      each_row(rows, row_bytes, count, out, [&](const uint8_t* row) { return dot_q6_k(row, a, blocks); });
      return true;
    case TensorType::kF16:
      each_row(rows, row_bytes, count, out, [&](const uint8_t* row) {
        return dot_floats(row, values, n, 2, [](const uint8_t* p) {
          return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        });
      });
      return true;
    case TensorType::kF32:
      each_row(rows, row_bytes, count, out, [&](const uint8_t* row) {
        return dot_floats(row, values, n, 4, [](const uint8_t* p) {
          return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
        });
      });
      return true;
    default:
      return false;
  }
}

bool dot_rows_tokens_avx2(TensorType type, const uint8_t* rows, size_t row_bytes, size_t count,
                          const ActivationBlock* const* x, size_t n, float* const* out) {
  const size_t blocks = n / 32;
  auto each = [&](size_t block_bytes, auto weights) {
    float results[kTokens];
    for (size_t r = 0; r < count; ++r) {
      blocks_dot_tokens(rows + r * row_bytes, block_bytes, x, blocks, weights, results);
      for (size_t t = 0; t < kTokens; ++t) out[t][r] = results[t];
    }
  };
  switch (type) {
    case TensorType::kQ8_0:
      each(34, q8_0_weights);
      return true;
    case TensorType::kQ4_0:
      each(18, q4_0_weights);
      return true;
    case TensorType::kQ5_0:
      each(22, q5_0_weights);
      return true;
    default:
      return false;
  }
}

}  // namespace groundline::llm::simd

#else

namespace groundline::llm::simd {

const bool kAvx2Built = false;

bool dot_rows_avx2(TensorType, const uint8_t*, size_t, size_t, const ActivationBlock*, const float*, size_t,
                   float*) {
  return false;
}

}  // namespace groundline::llm::simd

#endif
