#include "llm/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "llm/quant.h"
#include "llm/random_weights.h"

namespace groundline::llm {
namespace {

const TensorType kAllTypes[] = {TensorType::kF32,  TensorType::kF16,  TensorType::kBF16, TensorType::kQ8_0,
                                TensorType::kQ4_0, TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1,
                                TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ4_K, TensorType::kQ5_K,
                                TensorType::kQ6_K};

struct Case {
  std::vector<uint8_t> row;
  std::vector<float> values;
  Activations x;
};

Case make_case(TensorType type, size_t n, uint64_t seed) {
  std::mt19937_64 random(seed);
  auto layout = layout_of(static_cast<uint32_t>(type));
  Case c;
  c.row.resize(n / layout->block_elements * layout->block_bytes);
  EXPECT_TRUE(fill_random(type, c.row.data(), n, 0.05f, random));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  c.values.resize(n);
  for (auto& v : c.values) v = normal(random);
  prepare_activations(c.values.data(), n, reads_quantized(type), c.x);
  return c;
}

// The dot product the kernels must compute: the reference dequantization
// of the row times the activations as the kernel sees them; and the scale
// of its terms, which bounds rounding.
std::pair<double, double> reference_dot(TensorType type, const Case& c) {
  std::vector<float> w(c.values.size());
  EXPECT_TRUE(dequantize(type, c.row.data(), w.data(), w.size()));
  double sum = 0, magnitude = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    double a = reads_quantized(type)
                   ? static_cast<double>(c.x.blocks[i / 32].d) * c.x.blocks[i / 32].q[i % 32]
                   : c.values[i];
    sum += w[i] * a;
    magnitude += std::fabs(w[i] * a);
  }
  return {sum, magnitude};
}

TEST(Kernels, ScalarKernelsComputeTheReferenceDotForEveryType) {
  for (TensorType type : kAllTypes) {
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      Case c = make_case(type, 1024, seed);
      auto [expected, magnitude] = reference_dot(type, c);
      float got = dot_row_with(KernelSet::kScalar, type, c.row.data(), c.x);
      EXPECT_NEAR(got, expected, 1e-5 * magnitude + 1e-6)
          << layout_of(static_cast<uint32_t>(type))->name << " seed " << seed;
    }
  }
}

TEST(Kernels, VectorKernelsAgreeWithTheScalarOnes) {
  if (best_kernels() != KernelSet::kAvx2) GTEST_SKIP() << "this CPU has no AVX2";
  for (TensorType type : kAllTypes) {
    for (size_t n : {256u, 512u, 4864u}) {
      if (n % layout_of(static_cast<uint32_t>(type))->block_elements) continue;
      Case c = make_case(type, n, n + static_cast<uint64_t>(type));
      auto [expected, magnitude] = reference_dot(type, c);
      float scalar = dot_row_with(KernelSet::kScalar, type, c.row.data(), c.x);
      float vector = dot_row_with(KernelSet::kAvx2, type, c.row.data(), c.x);
      EXPECT_NEAR(vector, scalar, 1e-5 * magnitude + 1e-6) << layout_of(static_cast<uint32_t>(type))->name;
    }
  }
}

TEST(Kernels, FloatKernelsHandleRowsThatAreNotAMultipleOfTheVectorWidth) {
  for (TensorType type : {TensorType::kF32, TensorType::kF16}) {
    for (size_t n : {1u, 7u, 9u, 33u}) {
      Case c = make_case(type, n, n);
      auto [expected, magnitude] = reference_dot(type, c);
      for (KernelSet set : {KernelSet::kScalar, best_kernels()})
        EXPECT_NEAR(dot_row_with(set, type, c.row.data(), c.x), expected, 1e-5 * magnitude + 1e-6) << n;
    }
  }
}

TEST(Kernels, QuantizedActivationsStayWithinHalfAStep) {
  std::vector<float> v(64);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(static_cast<float>(i)) * (i < 32 ? 3.0f : 1e-3f);
  v[5] = 0;
  Activations x;
  prepare_activations(v.data(), v.size(), true, x);
  ASSERT_EQ(x.blocks.size(), 2u);
  for (size_t i = 0; i < v.size(); ++i) {
    const auto& b = x.blocks[i / 32];
    EXPECT_LE(std::fabs(b.d * b.q[i % 32] - v[i]), b.d / 2 + 1e-9) << i;
  }
  int sum = 0;
  for (int i = 0; i < 16; ++i) sum += x.blocks[0].q[i];
  EXPECT_EQ(x.blocks[0].sums[0], sum);
  std::vector<float> zeros(32, 0.0f);
  prepare_activations(zeros.data(), zeros.size(), true, x);
  EXPECT_EQ(x.blocks[0].d, 0.0f);
  EXPECT_EQ(x.blocks[0].q[0], 0);
}

TEST(Kernels, HalvesRoundTrip) {
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f, 0.1f, 1e-3f}) {
    float back = half_to_float(float_to_half(v));
    EXPECT_NEAR(back, v, std::fabs(v) * 1e-3 + 3e-8) << v;
  }
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(1e6f))));
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(NAN))));
}

TEST(Kernels, SeveralVectorsAtOnceGiveExactlyWhatOneAtATimeGives) {
  for (TensorType type : kAllTypes) {
    auto layout = layout_of(static_cast<uint32_t>(type));
    const size_t n = 512, rows = 5, row_bytes = n / layout->block_elements * layout->block_bytes;
    std::mt19937_64 random(3);
    std::vector<uint8_t> weights(rows * row_bytes);
    ASSERT_TRUE(fill_random(type, weights.data(), rows * n, 0.05f, random));
    std::vector<Case> inputs;
    for (uint64_t t = 0; t < 7; ++t) inputs.push_back(make_case(type, n, 100 + t));
    std::vector<const Activations*> x;
    for (const auto& c : inputs) x.push_back(&c.x);
    for (KernelSet set : {KernelSet::kScalar, best_kernels()}) {
      std::vector<std::vector<float>> together(x.size(), std::vector<float>(rows));
      std::vector<float*> out;
      for (auto& v : together) out.push_back(v.data());
      dot_rows_tokens_with(set, type, weights.data(), row_bytes, rows, x.data(), x.size(), out.data());
      for (size_t t = 0; t < x.size(); ++t) {
        std::vector<float> alone(rows);
        dot_rows_with(set, type, weights.data(), row_bytes, rows, *x[t], alone.data());
        EXPECT_EQ(together[t], alone) << layout->name << " " << kernel_name(set) << " vector " << t;
      }
    }
  }
}

}  // namespace
}  // namespace groundline::llm
