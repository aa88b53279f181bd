// The threads synchronous callback handlers run on. Handlers often wait on I/O, so the pool grows
// (up to a cap) instead of queueing behind a busy thread: gather() over N callbacks runs them
// concurrently. Idle threads beyond a few exit after a while.
//
// Fork-safe (util/fork_hooks.h): in the child of a fork() the pool has no threads and no queued
// tasks (they belonged to the parent's executions); new tasks start new threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

#include "util/fork_hooks.h"

namespace eryx::callbacks {

class ThreadPool : private util::ForkAware {
 public:
  explicit ThreadPool(size_t max_threads, size_t kept_idle_threads = 4);
  ~ThreadPool();  // finishes queued tasks, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void submit(std::function<void()> task);

  // The process-wide pool (never destroyed: tasks may still run while the process exits).
  static ThreadPool& shared();

 private:
  void worker();
  void before_fork() override;
  void after_fork_parent() override;
  void after_fork_child() override;

  const size_t max_threads_;
  const size_t kept_idle_threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable all_exited_;
  std::deque<std::function<void()>> tasks_;
  size_t threads_ = 0;
  size_t idle_ = 0;
  size_t spinning_ = 0;  // workers polling for a task before they sleep
  bool stopping_ = false;
  std::atomic<bool> pending_{false};  // tasks_ is not empty (read without the lock while polling)
};

}  // namespace eryx::callbacks
