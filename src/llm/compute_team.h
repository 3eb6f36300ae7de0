// A fixed team of threads for the model's matrix products: run(fn) calls
// fn(part) for every part on its own thread (part 0 on the caller) and
// returns when all are done. Products come back to back, hundreds per
// token, so the team's threads spin briefly between them before they
// sleep: handing out work costs about a microsecond, not a queue and a
// future per task. One caller at a time.
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
  explicit ComputeTeam(size_t threads);
  ~ComputeTeam();
  ComputeTeam(const ComputeTeam&) = delete;
  ComputeTeam& operator=(const ComputeTeam&) = delete;

  size_t size() const { return threads_.size() + 1; }
  void run(const std::function<void(size_t part)>& fn);

 private:
  void serve(size_t part);

  std::vector<std::thread> threads_;
  const std::function<void(size_t)>* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<size_t> pending_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace groundline::llm
