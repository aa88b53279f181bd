#include "interrupts.h"

#include <atomic>
#include <thread>

namespace eryx::cli {
namespace {

// The token of the one run being watched (one per process: the CLI runs one execution at a time).
// CancellationToken::interrupt only touches atomics, so the handler may call it.
std::atomic<const CancellationToken*> watched{nullptr};
std::atomic<bool> sigint_seen{false};
// Handler calls using `watched` right now (the signal may land on any thread): the destructor
// waits for them before the token may go away.
std::atomic<int> handlers_inside{0};

void on_sigint(int) {
  handlers_inside.fetch_add(1);
  sigint_seen.store(true);
  if (const auto* token = watched.load()) token->interrupt();
  handlers_inside.fetch_sub(1);
}

}  // namespace

SigintInterrupts::SigintInterrupts(const CancellationToken& token) {
  const CancellationToken* expected = nullptr;
  if (!watched.compare_exchange_strong(expected, &token)) return;  // a run is watched already
  sigint_seen.store(false);
  struct sigaction action{};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (sigaction(SIGINT, &action, &previous_) != 0) {
    watched.store(nullptr);
    return;
  }
  installed_ = true;
}

SigintInterrupts::~SigintInterrupts() {
  if (!installed_) return;
  sigaction(SIGINT, &previous_, nullptr);
  watched.store(nullptr);
  while (handlers_inside.load() != 0) std::this_thread::yield();
}

bool SigintInterrupts::fired() const { return installed_ && sigint_seen.load(); }

}  // namespace eryx::cli
