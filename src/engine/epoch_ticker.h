// One ticker thread per engine variant advances Wasmtime's epoch while any execution is running.
// Each store checks its own wall-clock deadline and cancel flag in its epoch callback, so
// concurrent executions time out on their own deadlines and never interrupt each other. The thread
// sleeps while nothing runs, so an idle process pays nothing. A variant whose instance pool is full
// puts further instances on a second engine (engine_variant.h); the ticker advances both.
//
// Fork-safe (util/fork_hooks.h): the child of a fork() has no ticker thread; the ticker notices and
// starts a new one on the next execution, so timeouts keep working after os.fork().
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <wasmtime.hh>

#include "util/fork_hooks.h"

namespace eryx::engine {

class EpochTicker : private util::ForkAware {
 public:
  EpochTicker(wasmtime::Engine engine, std::chrono::microseconds period);
  ~EpochTicker();
  EpochTicker(const EpochTicker&) = delete;
  EpochTicker& operator=(const EpochTicker&) = delete;

  // Advances `engine`'s epoch too, from the next tick on.
  void add_engine(wasmtime::Engine engine);

  // RAII registration of a running execution: the ticker runs while at least one exists.
  class Activity {
   public:
    explicit Activity(EpochTicker& ticker);
    ~Activity();
    Activity(const Activity&) = delete;
    Activity& operator=(const Activity&) = delete;

   private:
    EpochTicker& ticker_;
    unsigned generation_;  // activities begun before a fork do not count in the child
  };

 private:
  void run();
  void start_thread();  // with mutex_ held
  void before_fork() override;
  void after_fork_parent() override;
  void after_fork_child() override;

  std::chrono::microseconds period_;
  std::mutex mutex_;
  std::vector<wasmtime::Engine> engines_;  // guarded by mutex_
  std::condition_variable wake_;
  int active_ = 0;
  bool stopping_ = false;
  unsigned generation_ = 0;              // fork generation of the running thread
  std::unique_ptr<std::thread> thread_;  // released (not joined) in a fork's child: it is gone
};

}  // namespace eryx::engine
