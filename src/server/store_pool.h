// Read-only connections to one knowledge base, shared by the server's
// threads. A kb::Store is used by one thread at a time, so a request
// borrows a store for as long as it runs and gives it back when done. The
// pool opens stores as requests need them, up to `max_open`; beyond that a
// request waits for one to come back. Each store caches pages (up to 64 MB
// of a large knowledge base), so the bound is also the memory's; work that
// only uses the CPU gains nothing from more stores than cores.
// Every store reads committed batches only: a re-ingest while serving is
// seen once it commits. Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "kb/store.h"

namespace groundline::server {

class StorePool {
 public:
  // A borrowed store, returned to the pool when the lease is destroyed.
  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<kb::Store> store) : pool_(pool), store_(std::move(store)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    kb::Store& operator*() { return *store_; }
    kb::Store* operator->() { return store_.get(); }

   private:
    StorePool* pool_;
    std::unique_ptr<kb::Store> store_;
  };

  StorePool(std::string path, size_t max_open) : path_(std::move(path)), max_open_(max_open ? max_open : 1) {}

  // A store, opened when none is idle and fewer than max_open exist; else
  // waits for one to be returned.
  Result<Lease> acquire();
  // How many stores are open (lent or idle).
  size_t size() const;

 private:
  void give_back(std::unique_ptr<kb::Store> store);

  std::string path_;
  size_t max_open_;
  mutable std::mutex mutex_;  // guards idle_ and open_
  std::condition_variable returned_;
  std::vector<std::unique_ptr<kb::Store>> idle_;
  size_t open_ = 0;  // stores that exist or are being opened
};

}  // namespace groundline::server
