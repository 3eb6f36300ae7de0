#include "llm/quant.h"

#include <cstring>

namespace groundline::llm {

float half_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exponent = 127 - 15 + 1;
      while (!(mantissa & 0x400)) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7F800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float bfloat_to_float(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float half_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return half_to_float(h);
}

void q3_k_scales(const uint8_t* packed, int8_t scales[16]) {
  uint32_t aux[4];
  std::memcpy(aux, packed, 12);
  const uint32_t low4 = 0x0f0f0f0f, low2 = 0x03030303, tmp = aux[2];
  aux[2] = ((aux[0] >> 4) & low4) | (((tmp >> 4) & low2) << 4);
  aux[3] = ((aux[1] >> 4) & low4) | (((tmp >> 6) & low2) << 4);
  aux[0] = (aux[0] & low4) | (((tmp >> 0) & low2) << 4);
  aux[1] = (aux[1] & low4) | (((tmp >> 2) & low2) << 4);
  std::memcpy(scales, aux, 16);
}

void scale_min_k4(int j, const uint8_t* q, uint8_t& scale, uint8_t& min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

void k4_scales(const uint8_t* packed, uint8_t scales[8], uint8_t mins[8]) {
  for (int j = 0; j < 8; ++j) scale_min_k4(j, packed, scales[j], mins[j]);
}

namespace {

// 32-element blocks: a scale d (and for the _1 types a minimum m), then
// 4-bit (and for Q5 a fifth high bit) or 8-bit quants.
void q8_0(const uint8_t* b, float* y) {
  float d = half_at(b);
  for (int i = 0; i < 32; ++i) y[i] = d * static_cast<int8_t>(b[2 + i]);
}

void q4_0(const uint8_t* b, float* y) {
  float d = half_at(b);
  const uint8_t* qs = b + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = d * ((qs[j] & 0xF) - 8);
    y[j + 16] = d * ((qs[j] >> 4) - 8);
  }
}

void q4_1(const uint8_t* b, float* y) {
  float d = half_at(b), m = half_at(b + 2);
  const uint8_t* qs = b + 4;
  for (int j = 0; j < 16; ++j) {
    y[j] = d * (qs[j] & 0xF) + m;
    y[j + 16] = d * (qs[j] >> 4) + m;
  }
}

// The fifth bits of a Q5 block's 32 quants, one bit each.
void q5(const uint8_t* qh_bytes, const uint8_t* qs, float d, float m, int offset, float* y) {
  uint32_t qh;
  std::memcpy(&qh, qh_bytes, 4);
  for (int j = 0; j < 16; ++j) {
    int high0 = ((qh >> j) << 4) & 0x10, high1 = (qh >> (j + 12)) & 0x10;
    y[j] = d * (((qs[j] & 0xF) | high0) - offset) + m;
    y[j + 16] = d * (((qs[j] >> 4) | high1) - offset) + m;
  }
}

void q5_0(const uint8_t* b, float* y) {
  q5(b + 2, b + 6, half_at(b), 0.0f, 16, y);
}
void q5_1(const uint8_t* b, float* y) {
  q5(b + 4, b + 8, half_at(b), half_at(b + 2), 0, y);
}

// 256-element "K" blocks: sixteen or eight sub-blocks, each with its own
// scale (and minimum) quantized against the block's d (and dmin).
void q2_k(const uint8_t* b, float* y) {
  const uint8_t* scales = b;
  const uint8_t* q = b + 16;
  float d = half_at(b + 80), dmin = half_at(b + 82);
  int is = 0;
  for (int n = 0; n < 256; n += 128) {
    for (int shift = 0; shift < 8; shift += 2) {
      for (int half = 0; half < 2; ++half) {
        uint8_t sc = scales[is++];
        float dl = d * (sc & 0xF), ml = dmin * (sc >> 4);
        for (int l = 0; l < 16; ++l) *y++ = dl * ((q[l + 16 * half] >> shift) & 3) - ml;
      }
    }
    q += 32;
  }
}

void q3_k(const uint8_t* b, float* y) {
  const uint8_t* hmask = b;
  const uint8_t* q = b + 32;
  float d = half_at(b + 108);
  int8_t scales[16];
  q3_k_scales(b + 96, scales);
  int is = 0;
  uint8_t mask = 1;
  for (int n = 0; n < 256; n += 128) {
    for (int shift = 0; shift < 8; shift += 2) {
      for (int half = 0; half < 2; ++half) {
        float dl = d * (scales[is++] - 32);
        for (int l = 16 * half; l < 16 * half + 16; ++l)
          *y++ = dl * (((q[l] >> shift) & 3) - ((hmask[l] & mask) ? 0 : 4));
      }
      mask <<= 1;
    }
    q += 32;
  }
}

// Q4_K and Q5_K: eight sub-blocks of 32 with 6-bit scales and minimums,
// quants in nibbles (two sub-blocks per 32 bytes); Q5_K adds a fifth bit
// to each quant from `qh`, bit j for sub-block j.
void k4_block(const uint8_t* b, const uint8_t* ql, const uint8_t* qh, float* y) {
  float d = half_at(b), dmin = half_at(b + 2);
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    scale_min_k4(j, b + 4, sc, m);
    float dj = d * sc, mj = dmin * m;
    const uint8_t* q = ql + 32 * (j / 2);
    const int shift = 4 * (j % 2);
    const uint8_t high = static_cast<uint8_t>(1u << j);
    for (int l = 0; l < 32; ++l) *y++ = dj * (((q[l] >> shift) & 0xF) + (qh && (qh[l] & high) ? 16 : 0)) - mj;
  }
}

void q4_k(const uint8_t* b, float* y) {
  k4_block(b, b + 16, nullptr, y);
}
void q5_k(const uint8_t* b, float* y) {
  k4_block(b, b + 48, b + 16, y);
}

void q6_k(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const auto* sc = reinterpret_cast<const int8_t*>(b + 192);
  float d = half_at(b + 208);
  for (int n = 0; n < 256; n += 128) {
    for (int l = 0; l < 32; ++l) {
      int is = l / 16;
      int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is + 0] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
    y += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

using BlockFn = void (*)(const uint8_t*, float*);

BlockFn block_function(TensorType type) {
  switch (type) {
    case TensorType::kQ8_0:
      return q8_0;
    case TensorType::kQ4_0:
      return q4_0;
    case TensorType::kQ4_1:
      return q4_1;
    case TensorType::kQ5_0:
      return q5_0;
    case TensorType::kQ5_1:
      return q5_1;
    case TensorType::kQ2_K:
      return q2_k;
    case TensorType::kQ3_K:
      return q3_k;
    case TensorType::kQ4_K:
      return q4_k;
    case TensorType::kQ5_K:
      return q5_k;
    case TensorType::kQ6_K:
      return q6_k;
    default:
      return nullptr;
  }
}

}  // namespace

bool dequantize(TensorType type, const uint8_t* source, float* out, size_t count) {
  switch (type) {
    case TensorType::kF32:
      std::memcpy(out, source, count * 4);
      return true;
    case TensorType::kF16:
      for (size_t i = 0; i < count; ++i) out[i] = half_at(source + 2 * i);
      return true;
    case TensorType::kBF16:
      for (size_t i = 0; i < count; ++i) {
        uint16_t b;
        std::memcpy(&b, source + 2 * i, 2);
        out[i] = bfloat_to_float(b);
      }
      return true;
    default:
      break;
  }
  BlockFn fn = block_function(type);
  auto layout = layout_of(static_cast<uint32_t>(type));
  if (!fn || !layout) return false;
  for (size_t block = 0; block < count / layout->block_elements; ++block)
    fn(source + block * layout->block_bytes, out + block * layout->block_elements);
  return true;
}

}  // namespace groundline::llm
