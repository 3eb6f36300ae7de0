#include "llm/compute_team.h"

namespace groundline::llm {

namespace {

// Spins this many times on a value before sleeping on it.
constexpr int kSpins = 1 << 12;

void pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

uint64_t generation_of(uint64_t state) {
  return state >> 32;
}
uint64_t chunks_of(uint64_t state) {
  return (state >> 16) & 0xFFFF;
}
uint64_t next_of(uint64_t state) {
  return state & 0xFFFF;
}

}  // namespace

ComputeTeam::ComputeTeam(size_t threads) {
  for (size_t member = 1; member < threads; ++member) threads_.emplace_back([this] { serve(); });
}

ComputeTeam::~ComputeTeam() {
  stopping_ = true;
  state_.fetch_add(uint64_t{1} << 32);
  state_.notify_all();
  for (auto& t : threads_) t.join();
}

void ComputeTeam::run(const std::function<void(size_t)>& fn, size_t chunks) {
  if (threads_.empty() || chunks <= 1) {
    for (size_t c = 0; c < chunks; ++c) fn(c);
    return;
  }
  chunks = std::min(chunks, kMaxChunks);
  job_.store(&fn, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  const uint64_t generation = generation_of(state_.load(std::memory_order_relaxed)) + 1;
  state_.store(generation << 32 | static_cast<uint64_t>(chunks) << 16, std::memory_order_release);
  state_.notify_all();
  claim_chunks(generation);
  for (int spin = 0; done_.load(std::memory_order_acquire) != chunks; ++spin) {
    if (spin < kSpins)
      pause();
    else
      std::this_thread::yield();
  }
}

// Runs chunks of the run `generation` until none is left unclaimed.
void ComputeTeam::claim_chunks(uint64_t generation) {
  const auto* job = job_.load(std::memory_order_acquire);
  uint64_t state = state_.load(std::memory_order_acquire);
  while (generation_of(state) == generation && next_of(state) < chunks_of(state)) {
    if (!state_.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel)) continue;
    (*job)(next_of(state));
    done_.fetch_add(1, std::memory_order_release);
    state = state_.load(std::memory_order_acquire);
  }
}

void ComputeTeam::serve() {
  uint64_t seen = 0;
  for (;;) {
    uint64_t state = state_.load(std::memory_order_acquire);
    for (int spin = 0; generation_of(state) == seen && spin < kSpins; ++spin) {
      pause();
      state = state_.load(std::memory_order_acquire);
    }
    if (generation_of(state) == seen) {
      state_.wait(state, std::memory_order_acquire);
      continue;
    }
    if (stopping_) return;
    seen = generation_of(state);
    claim_chunks(seen);
  }
}

}  // namespace groundline::llm
