#include "callbacks/thread_pool.h"

#include <chrono>
#include <new>
#include <thread>

namespace eryx::callbacks {

ThreadPool::ThreadPool(size_t max_threads, size_t kept_idle_threads)
    : max_threads_(max_threads == 0 ? 1 : max_threads), kept_idle_threads_(kept_idle_threads) {
  util::register_fork_aware(this);
}

ThreadPool::~ThreadPool() {
  util::unregister_fork_aware(this);
  std::unique_lock lock(mutex_);
  stopping_ = true;
  wake_.notify_all();
  all_exited_.wait(lock, [&] { return threads_ == 0; });
}

ThreadPool& ThreadPool::shared() {
  static ThreadPool* pool = new ThreadPool(64);
  return *pool;
}

void ThreadPool::submit(std::function<void()> task) {
  std::lock_guard lock(mutex_);
  tasks_.push_back(std::move(task));
  pending_.store(true, std::memory_order_release);
  if (idle_ + spinning_ >= tasks_.size() || threads_ >= max_threads_) {
    wake_.notify_one();
    return;
  }
  ++threads_;
  std::thread([this] { worker(); }).detach();
}

void ThreadPool::before_fork() { mutex_.lock(); }

void ThreadPool::after_fork_parent() { mutex_.unlock(); }

void ThreadPool::after_fork_child() {
  // The workers did not come along, and the queued tasks belong to the parent's executions. The
  // tasks are leaked, not destroyed: they may hold objects (Python ones) not safe to free here.
  auto* leaked = new std::deque<std::function<void()>>(std::move(tasks_));
  (void)leaked;
  tasks_.clear();
  threads_ = idle_ = spinning_ = 0;
  pending_.store(false);
  new (&wake_) std::condition_variable();
  new (&all_exited_) std::condition_variable();
  mutex_.unlock();
}

void ThreadPool::worker() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (tasks_.empty()) {
      if (stopping_) break;
      // A caller often submits the next task right after the last one finished (a loop of
      // awaits): poll briefly before sleeping, since a wake-up costs tens of microseconds.
      ++spinning_;
      lock.unlock();
      auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
      while (!pending_.load(std::memory_order_acquire) &&
             std::chrono::steady_clock::now() < spin_until) {
        std::this_thread::yield();
      }
      lock.lock();
      --spinning_;
      if (!tasks_.empty()) continue;
      ++idle_;
      bool woke = wake_.wait_for(lock, std::chrono::seconds(30),
                                 [&] { return !tasks_.empty() || stopping_; });
      --idle_;
      if (!woke && threads_ > kept_idle_threads_) break;  // shrink after a burst
      continue;
    }
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    pending_.store(!tasks_.empty(), std::memory_order_release);
    lock.unlock();
    task();  // tasks catch their own exceptions
    task = nullptr;
    lock.lock();
  }
  --threads_;
  all_exited_.notify_all();
}

}  // namespace eryx::callbacks
