#include "llm/compute_team.h"

namespace groundline::llm {

namespace {

// Spins this many times on a value before sleeping on it.
constexpr int kSpins = 1 << 14;

void pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

ComputeTeam::ComputeTeam(size_t threads) {
  for (size_t part = 1; part < threads; ++part) threads_.emplace_back([this, part] { serve(part); });
}

ComputeTeam::~ComputeTeam() {
  stopping_ = true;
  generation_.fetch_add(1);
  generation_.notify_all();
  for (auto& t : threads_) t.join();
}

void ComputeTeam::run(const std::function<void(size_t)>& fn) {
  if (threads_.empty()) return fn(0);
  job_ = &fn;
  pending_.store(threads_.size());
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  fn(0);
  for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
    if (spin < kSpins)
      pause();
    else
      std::this_thread::yield();
  }
}

void ComputeTeam::serve(size_t part) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t now = generation_.load(std::memory_order_acquire);
    for (int spin = 0; now == seen && spin < kSpins; ++spin) {
      pause();
      now = generation_.load(std::memory_order_acquire);
    }
    if (now == seen) {
      generation_.wait(seen, std::memory_order_acquire);
      continue;
    }
    seen = now;
    if (stopping_) return;
    (*job_)(part);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace groundline::llm
