// A fixed team of threads for the model's matrix products. run(fn, chunks)
// calls fn(chunk) once for every chunk in [0, chunks), on whichever member
// claims it first, the caller included, and returns when all are done.
// Products come back to back, hundreds per token, so members spin briefly
// between them before they sleep; and since chunks are claimed, not
// assigned, a member that the operating system has not scheduled (the
// machine busy with other work) delays nothing: the others take its share.
// One caller at a time.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace groundline::llm {

class ComputeTeam {
 public:
  // `threads` members in all, the caller counted.
  explicit ComputeTeam(size_t threads);
  ~ComputeTeam();
  ComputeTeam(const ComputeTeam&) = delete;
  ComputeTeam& operator=(const ComputeTeam&) = delete;

  size_t size() const { return threads_.size() + 1; }
  // At most kMaxChunks chunks.
  void run(const std::function<void(size_t chunk)>& fn, size_t chunks);
  static constexpr size_t kMaxChunks = 0xFFFF;

 private:
  void claim_chunks(uint64_t generation);
  void serve();

  std::vector<std::thread> threads_;
  // generation << 32 | chunks << 16 | next unclaimed chunk: one word, so
  // that a member never claims a chunk of a run it did not see begin.
  std::atomic<uint64_t> state_{0};
  std::atomic<const std::function<void(size_t)>*> job_{nullptr};
  std::atomic<size_t> done_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace groundline::llm
