// Cancelling an execution from another thread.
#pragma once

#include <atomic>
#include <memory>

namespace eryx {

// A shareable flag: pass it to execute(), call cancel() from any thread, and the execution ends
// promptly (within a few milliseconds, also while the guest sleeps) with CancelledError. A token
// stays cancelled; use a new one for the next execution.
class CancellationToken {
 public:
  CancellationToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}

  void cancel() const { flag_->store(true, std::memory_order_relaxed); }
  bool cancelled() const { return flag_->load(std::memory_order_relaxed); }
  const std::atomic<bool>* flag() const { return flag_.get(); }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

}  // namespace eryx
