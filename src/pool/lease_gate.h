// The executions running on one lease of a SandboxPool, and the moment its slot may go back: when
// the lease is released AND the last execution on it has ended, whichever comes last. Engine-free
// so that it runs under ThreadSanitizer with the unit tests.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>

namespace eryx::pool {

class LeaseGate {
 public:
  // `on_done` runs exactly once, on the thread that released the lease or ended its last
  // execution, outside the gate's lock.
  explicit LeaseGate(std::function<void()> on_done) : on_done_(std::move(on_done)) {}
  LeaseGate(const LeaseGate&) = delete;
  LeaseGate& operator=(const LeaseGate&) = delete;

  // An execution starts; false (and nothing counted) once the lease was released.
  bool enter() {
    std::lock_guard lock(mutex_);
    if (released_) return false;
    ++running_;
    return true;
  }

  // An execution that entered has ended.
  void leave() {
    std::unique_lock lock(mutex_);
    if (--running_ == 0 && released_) finish(lock);
  }

  // Idempotent.
  void release() {
    std::unique_lock lock(mutex_);
    if (released_) return;
    released_ = true;
    if (running_ == 0) finish(lock);
  }

  bool released() const {
    std::lock_guard lock(mutex_);
    return released_;
  }

 private:
  void finish(std::unique_lock<std::mutex>& lock) {
    auto done = std::move(on_done_);
    lock.unlock();
    if (done) done();
  }

  mutable std::mutex mutex_;
  size_t running_ = 0;
  bool released_ = false;
  std::function<void()> on_done_;
};

}  // namespace eryx::pool
