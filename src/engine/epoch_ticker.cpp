#include "engine/epoch_ticker.h"

#include <new>

namespace eryx::engine {

EpochTicker::EpochTicker(wasmtime::Engine engine, std::chrono::microseconds period)
    : period_(period) {
  engines_.push_back(std::move(engine));
  {
    std::lock_guard lock(mutex_);
    start_thread();
  }
  // Not under mutex_: a fork takes the registry's lock, then ours (ThreadSanitizer found the
  // inversion).
  util::register_fork_aware(this);
}

void EpochTicker::start_thread() {
  generation_ = util::fork_generation();
  thread_ = std::make_unique<std::thread>([this] { run(); });
}

void EpochTicker::add_engine(wasmtime::Engine engine) {
  std::lock_guard lock(mutex_);
  engines_.push_back(std::move(engine));
}

EpochTicker::~EpochTicker() {
  util::unregister_fork_aware(this);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_) thread_->join();
}

void EpochTicker::before_fork() { mutex_.lock(); }

void EpochTicker::after_fork_parent() { mutex_.unlock(); }

void EpochTicker::after_fork_child() {
  // The thread did not come along; its handle must be neither joined nor detached. The condition
  // variable may count the lost thread as a waiter: start over with a fresh one.
  (void)thread_.release();
  new (&wake_) std::condition_variable();
  active_ = 0;
  mutex_.unlock();
}

EpochTicker::Activity::Activity(EpochTicker& ticker)
    : ticker_(ticker), generation_(util::fork_generation()) {
  {
    std::lock_guard lock(ticker_.mutex_);
    if (!ticker_.thread_ || ticker_.generation_ != generation_) ticker_.start_thread();
    ++ticker_.active_;
  }
  ticker_.wake_.notify_all();
}

EpochTicker::Activity::~Activity() {
  std::lock_guard lock(ticker_.mutex_);
  if (generation_ == util::fork_generation()) --ticker_.active_;
}

void EpochTicker::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (active_ == 0) {
      wake_.wait(lock, [this] { return stopping_ || active_ > 0; });
      continue;
    }
    lock.unlock();
    std::this_thread::sleep_for(period_);
    lock.lock();
    for (const auto& engine : engines_) engine.increment_epoch();
  }
}

}  // namespace eryx::engine
