#include "server/rate_limiter.h"

#include <gtest/gtest.h>

namespace groundline::server {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiter, AllowsABurstThenRefillsAtTheRate) {
  RateLimiter limiter(2, 3);  // 2 per second, bursts of 3
  auto t = RateLimiter::Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("a", t), 0) << i;
  double wait = limiter.acquire("a", t);
  EXPECT_NEAR(wait, 0.5, 1e-9);
  EXPECT_GT(limiter.acquire("a", t + milliseconds(400)), 0);
  EXPECT_EQ(limiter.acquire("a", t + milliseconds(500)), 0);
  // Another client has a bucket of its own.
  EXPECT_EQ(limiter.acquire("b", t), 0);
  // A long pause refills to the burst, not beyond.
  auto later = t + std::chrono::seconds(60);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire("a", later), 0) << i;
  EXPECT_GT(limiter.acquire("a", later), 0);
}

TEST(RateLimiter, ZeroRateAllowsEverything) {
  RateLimiter limiter(0, 0);
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.acquire("a"), 0);
}

TEST(RateLimiter, ManyClientsDoNotGrowWithoutBound) {
  RateLimiter limiter(100, 1);
  auto t = RateLimiter::Clock::now();
  // Each client's bucket is full again a second later, so old ones go.
  for (int i = 0; i < 100000; ++i) limiter.acquire("client " + std::to_string(i), t + milliseconds(i));
  EXPECT_LT(limiter.tracked_clients(), 2048u);
}

}  // namespace
}  // namespace groundline::server
