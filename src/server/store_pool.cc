#include "server/store_pool.h"

namespace groundline::server {

StorePool::Lease::~Lease() {
  if (store_) pool_->give_back(std::move(store_));
}

void StorePool::give_back(std::unique_ptr<kb::Store> store) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(store));
  }
  returned_.notify_one();
}

Result<StorePool::Lease> StorePool::acquire() {
  {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || open_ < max_open_; });
    if (!idle_.empty()) {
      auto store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
    ++open_;
  }
  // Opened outside the lock: opening reads the file, and the other threads
  // need not wait for it.
  auto store = kb::Store::open(path_, true);
  if (!store.ok()) {
    {
      std::lock_guard lock(mutex_);
      --open_;
    }
    returned_.notify_one();
    return make_error(path_ + ": " + store.message());
  }
  return Lease(this, std::move(store).value());
}

size_t StorePool::size() const {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace groundline::server
