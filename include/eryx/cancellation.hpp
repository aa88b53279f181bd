// Stopping an execution from another thread: interrupt (KeyboardInterrupt in the guest) or cancel
// (a hard stop).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace eryx {

// A shareable handle on one execution's stop requests. Pass it to execute() and call, from any
// thread:
// - interrupt(): raises KeyboardInterrupt in the guest at its next bytecode boundary (a host wait
//   such as time.sleep or an awaited callback ends early for it), as Ctrl-C does in Python. Code
//   that does not catch it ends with ExecutionError (type KeyboardInterrupt) and a Session keeps
//   its state. Each call delivers one KeyboardInterrupt. When the execution has not ended
//   `grace` after the first interrupt (the code swallowed it, or sits in a long C loop), it is
//   stopped hard as by cancel().
// - cancel(): stops the execution within a few milliseconds, also while the guest sleeps, with
//   CancelledError; a Session's interpreter is lost (its next execute starts fresh).
// A token stays cancelled; use a new one for the next execution. Both calls only touch atomics,
// so they may be called from a signal handler.
class CancellationToken {
 public:
  static constexpr std::chrono::milliseconds kDefaultInterruptGrace{2000};

  CancellationToken() : state_(std::make_shared<State>()) {}

  void cancel() const { state_->cancelled.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return state_->cancelled.load(std::memory_order_relaxed); }

  void interrupt(std::chrono::milliseconds grace = kDefaultInterruptGrace) const {
    state_->grace_ms.store(static_cast<int64_t>(grace.count()), std::memory_order_relaxed);
    state_->interrupts.fetch_add(1, std::memory_order_release);
  }
  // Interrupts requested so far.
  uint64_t interrupts() const { return state_->interrupts.load(std::memory_order_acquire); }

  // For the engine: the shared flags an execution polls. Requests may come from anyone holding the
  // token, hence mutable: a const view still lets them be made.
  struct State {
    mutable std::atomic<bool> cancelled{false};
    mutable std::atomic<uint64_t> interrupts{0};
    mutable std::atomic<int64_t> grace_ms{kDefaultInterruptGrace.count()};
  };
  const std::atomic<bool>* flag() const { return &state_->cancelled; }
  const State* state() const { return state_.get(); }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace eryx
