// The bookkeeping of eryx::SandboxPool (include/eryx/pool.hpp), engine-free so that it is
// unit-tested under ThreadSanitizer: how many slots exist, which are idle and since when, who
// waits for one, and the statistics.
//
// A slot is a permit to run one lease, nothing more: every execution of a sandbox already starts
// from a fresh instance (docs/architecture.md), so there is no interpreter to keep between leases
// and nothing in a slot to reset. What a lease carries (limits, callbacks, output handlers) lives
// in the lease and dies with it.
//
// Guarantees:
// - At most max_size slots are taken at once; a slot comes back only through give_back(), which
//   the API calls once the lease is released AND its last execution has ended.
// - take() never waits past its deadline, and returns at once on close() or when should_stop()
//   turns true (polled every few milliseconds).
// - Idle slots are reused newest first; evict_idle() drops the oldest ones idle longer than the
//   idle timeout, keeping min_idle.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

namespace eryx::pool {

struct CoreStats {
  size_t total = 0;      // slots that exist: taken + idle
  size_t idle = 0;       // slots ready, not taken
  size_t available = 0;  // max_size - in_use: leases that could start now
  size_t in_use = 0;     // slots taken (leased, or released with an execution still running)
  uint64_t acquisitions = 0;
  uint64_t creations = 0;
  uint64_t waits = 0;  // take() calls that found no slot and waited
  std::chrono::nanoseconds wait_time{0};
};

class PoolCore {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    size_t max_size = 10;
    size_t min_idle = 1;
    Clock::duration idle_timeout = std::chrono::minutes(5);
  };

  // Starts with min_idle idle slots (counted as creations). Limits are checked by the caller.
  explicit PoolCore(Limits limits);
  PoolCore(const PoolCore&) = delete;
  PoolCore& operator=(const PoolCore&) = delete;

  enum class Taken {
    kIdle,     // an idle slot
    kCreated,  // a new slot (total was below max_size)
    kBusy,     // all max_size taken and `until` has passed (or was not given)
    kClosed,   // the pool is closed (before or during the wait)
    kStopped,  // should_stop() returned true during the wait
  };
  // Takes a slot, waiting until `until` for one to come back when all are taken (nullopt: no
  // wait). should_stop may be empty.
  Taken take(std::optional<Clock::time_point> until, const std::function<bool()>& should_stop = {});

  // Returns a taken slot: idle again, or dropped when the pool is closed.
  void give_back();

  // Drops idle slots idle for longer than the idle timeout at `now`, oldest first, keeping
  // min_idle. Returns how many were dropped.
  size_t evict_idle(Clock::time_point now = Clock::now());

  // No slot is handed out from now on; waiters return kClosed; idle slots are dropped.
  void close();
  bool closed() const;

  CoreStats stats() const;

 private:
  bool take_locked(Taken* how);

  const Limits limits_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;    // a slot came back, or the pool closed
  std::deque<Clock::time_point> idle_;  // when each idle slot became idle; newest at the back
  size_t in_use_ = 0;
  bool closed_ = false;
  uint64_t acquisitions_ = 0;
  uint64_t creations_ = 0;
  uint64_t waits_ = 0;
  Clock::duration wait_time_{0};
};

}  // namespace eryx::pool
