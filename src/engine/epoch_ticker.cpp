#include "engine/epoch_ticker.h"

namespace eryx::engine {

EpochTicker::EpochTicker(wasmtime::Engine engine, std::chrono::microseconds period)
    : engine_(std::move(engine)), period_(period), thread_([this] { run(); }) {}

EpochTicker::~EpochTicker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

EpochTicker::Activity::Activity(EpochTicker& ticker) : ticker_(ticker) {
  {
    std::lock_guard lock(ticker_.mutex_);
    ++ticker_.active_;
  }
  ticker_.wake_.notify_all();
}

EpochTicker::Activity::~Activity() {
  std::lock_guard lock(ticker_.mutex_);
  --ticker_.active_;
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
    engine_.increment_epoch();
    lock.lock();
  }
}

}  // namespace eryx::engine
