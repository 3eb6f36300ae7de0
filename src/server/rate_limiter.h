// Request rate limits per client (an API key, or an address when there are
// no keys): a token bucket per client that holds up to `burst` requests
// and refills at `per_second`. A request takes one token or is refused.
// Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace groundline::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // per_second <= 0 allows everything; burst <= 0 means max(1, per_second).
  RateLimiter(double per_second, double burst);

  bool enabled() const { return per_second_ > 0; }

  // Takes a token from `client`'s bucket. Returns 0 when the request may go
  // ahead, else the seconds until a token will be there (> 0).
  double acquire(const std::string& client, Clock::time_point now = Clock::now());

  // How many clients have a bucket (idle ones are dropped over time).
  size_t tracked_clients();

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  // Drops the buckets that have refilled completely: they hold nothing a
  // new bucket would not. Called with mutex_ held, when the map grows.
  void forget_full_buckets(Clock::time_point now);

  double per_second_;
  double burst_;
  std::mutex mutex_;  // guards buckets_ and next_sweep_size_
  std::unordered_map<std::string, Bucket> buckets_;
  size_t next_sweep_size_ = 1024;
};

}  // namespace groundline::server
