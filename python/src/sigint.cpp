#include "sigint.h"

#include <Python.h>

#include <atomic>
#include <csignal>
#include <thread>

namespace eryx::python {
namespace {

std::atomic<unsigned long long> sigints{0};
std::atomic<PyOS_sighandler_t> previous_handler{nullptr};
// The interrupt counter of the execution the main thread runs, and how many handler calls are
// using it right now (the watch waits for them before the counter may go away).
std::atomic<std::atomic<uint64_t>*> watched{nullptr};
std::atomic<int> handlers_inside{0};

void on_sigint(int signum) {
  handlers_inside.fetch_add(1);
  if (auto* counter = watched.load()) counter->fetch_add(1, std::memory_order_release);
  handlers_inside.fetch_sub(1);
  sigints.fetch_add(1);
  auto previous = previous_handler.load();
  if (previous != nullptr && previous != SIG_IGN && previous != SIG_DFL) previous(signum);
}

// Puts on_sigint in front of the current handler; false when SIGINT is ignored or default.
bool ensure_installed() {
  PyOS_sighandler_t current = PyOS_getsig(SIGINT);
  if (current == on_sigint) return true;
  if (current == SIG_IGN || current == SIG_DFL || current == SIG_ERR) return false;
  previous_handler.store(current);
  PyOS_setsig(SIGINT, on_sigint);
  return true;
}

}  // namespace

SigintWatch::SigintWatch(const CancellationToken& token) {
  if (!_PyOS_IsMainThread() || !ensure_installed()) return;
  // The state outlives the watch: the token is held by the caller for the whole run.
  auto* counter = &token.state()->interrupts;
  std::atomic<uint64_t>* expected = nullptr;
  if (!watched.compare_exchange_strong(expected, counter)) return;  // a nested run is watched
  active_ = true;
  seen_ = sigints.load();
}

SigintWatch::~SigintWatch() {
  if (!active_) return;
  watched.store(nullptr);
  while (handlers_inside.load() != 0) std::this_thread::yield();
}

bool SigintWatch::fired() const { return active_ && sigints.load() != seen_; }

}  // namespace eryx::python
