#include "engine/epoch_ticker.h"

namespace eryx::engine {

EpochTicker::EpochTicker(wasmtime::Engine engine, std::chrono::microseconds period)
    : period_(period) {
  engines_.push_back(std::move(engine));
  // Started last: run() reads the members above.
  thread_ = std::thread([this] { run(); });
}

void EpochTicker::add_engine(wasmtime::Engine engine) {
  std::lock_guard lock(mutex_);
  engines_.push_back(std::move(engine));
}

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
    lock.lock();
    for (const auto& engine : engines_) engine.increment_epoch();
  }
}

}  // namespace eryx::engine
