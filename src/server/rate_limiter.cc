#include "server/rate_limiter.h"

#include <algorithm>

namespace groundline::server {

RateLimiter::RateLimiter(double per_second, double burst)
    : per_second_(per_second), burst_(burst > 0 ? burst : std::max(1.0, per_second)) {}

double RateLimiter::acquire(const std::string& client, Clock::time_point now) {
  if (!enabled()) return 0;
  std::lock_guard lock(mutex_);
  auto [it, added] = buckets_.try_emplace(client, Bucket{burst_, now});
  Bucket& bucket = it->second;
  double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  if (elapsed > 0) {
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * per_second_);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    if (added && buckets_.size() >= next_sweep_size_) forget_full_buckets(now);
    return 0;
  }
  return (1 - bucket.tokens) / per_second_;
}

size_t RateLimiter::tracked_clients() {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

void RateLimiter::forget_full_buckets(Clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& b = entry.second;
    return b.tokens + std::chrono::duration<double>(now - b.updated).count() * per_second_ >= burst_;
  });
  // Sweep again only after the map has doubled: the cost stays constant
  // per request however many clients there are.
  next_sweep_size_ = std::max<size_t>(1024, buckets_.size() * 2);
}

}  // namespace groundline::server
