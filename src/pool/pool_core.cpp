#include "pool/pool_core.h"

#include <algorithm>

namespace eryx::pool {
namespace {

// How often a waiter with a stop predicate looks at it (a Ctrl-C or a cancel needs no faster
// answer, and waiters without one sleep until notified).
constexpr auto kStopPollInterval = std::chrono::milliseconds(10);

}  // namespace

PoolCore::PoolCore(Limits limits) : limits_(limits) {
  const auto now = Clock::now();
  for (size_t i = 0; i < limits_.min_idle; ++i) idle_.push_back(now);
  creations_ = limits_.min_idle;
}

bool PoolCore::take_locked(Taken* how) {
  if (!idle_.empty()) {
    idle_.pop_back();  // the newest: the oldest age toward eviction
    *how = Taken::kIdle;
  } else if (in_use_ < limits_.max_size) {
    ++creations_;
    *how = Taken::kCreated;
  } else {
    return false;
  }
  ++in_use_;
  ++acquisitions_;
  return true;
}

PoolCore::Taken PoolCore::take(std::optional<Clock::time_point> until,
                               const std::function<bool()>& should_stop) {
  std::unique_lock lock(mutex_);
  if (closed_) return Taken::kClosed;
  Taken how = Taken::kBusy;
  if (take_locked(&how)) return how;
  if (!until || Clock::now() >= *until) return Taken::kBusy;

  ++waits_;
  const auto started = Clock::now();
  struct CountWait {
    PoolCore& core;
    Clock::time_point started;
    ~CountWait() { core.wait_time_ += Clock::now() - started; }  // under the lock
  } count_wait{*this, started};
  while (true) {
    if (should_stop) {
      returned_.wait_until(lock, std::min(*until, Clock::now() + kStopPollInterval));
    } else {
      returned_.wait_until(lock, *until);
    }
    if (closed_) return Taken::kClosed;
    if (take_locked(&how)) return how;
    if (should_stop && should_stop()) return Taken::kStopped;
    if (Clock::now() >= *until) return Taken::kBusy;
  }
}

void PoolCore::give_back() {
  {
    std::lock_guard lock(mutex_);
    --in_use_;
    if (!closed_) idle_.push_back(Clock::now());
  }
  returned_.notify_one();
}

size_t PoolCore::evict_idle(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  size_t evicted = 0;
  while (idle_.size() > limits_.min_idle && now - idle_.front() > limits_.idle_timeout) {
    idle_.pop_front();
    ++evicted;
  }
  return evicted;
}

void PoolCore::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    idle_.clear();
  }
  returned_.notify_all();
}

bool PoolCore::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

CoreStats PoolCore::stats() const {
  std::lock_guard lock(mutex_);
  CoreStats stats;
  stats.idle = idle_.size();
  stats.in_use = in_use_;
  stats.total = in_use_ + idle_.size();
  stats.available = limits_.max_size - std::min(in_use_, limits_.max_size);
  stats.acquisitions = acquisitions_;
  stats.creations = creations_;
  stats.waits = waits_;
  stats.wait_time = std::chrono::duration_cast<std::chrono::nanoseconds>(wait_time_);
  return stats;
}

}  // namespace eryx::pool
