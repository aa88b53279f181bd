// One ticker thread per engine variant advances Wasmtime's epoch while any execution is running.
// Each store checks its own wall-clock deadline and cancel flag in its epoch callback, so
// concurrent executions time out on their own deadlines and never interrupt each other. The thread
// sleeps while nothing runs, so an idle process pays nothing. A variant whose instance pool is full
// puts further instances on a second engine (engine_variant.h); the ticker advances both.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <wasmtime.hh>

namespace eryx::engine {

class EpochTicker {
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
  };

 private:
  void run();

  std::chrono::microseconds period_;
  std::mutex mutex_;
  std::vector<wasmtime::Engine> engines_;  // guarded by mutex_
  std::condition_variable wake_;
  int active_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace eryx::engine
