// The one place that sets up an entry into the guest. Every call into guest code (an execution,
// the result capture, a Session's clear/snapshot/restore of state, factory builds, snapshot
// captures, start-up without a snapshot) runs inside run_guest_call, which gives it:
// - a native stack with room for the Wasm stack limit (large_stack.h);
// - the epoch ticker running, so the store's epoch callback checks the deadline, cancellation and
//   interrupts at least every tick;
// - the call's deadline and stop requests (CancellationToken), also honoured by host waits
//   (poll_oneoff, callback waits);
// and clears them afterwards, so a stale deadline or token never reaches a later call.
// Limits that apply to the instance as a whole (memory, fuel) are set where the instance is made.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "engine/epoch_ticker.h"
#include "engine/guest_instance.h"
#include "eryx/cancellation.hpp"

namespace eryx::engine {

struct GuestCallLimits {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  const CancellationToken::State* stop = nullptr;  // cancel() and interrupt() requests
};

// The deadline `timeout_ms` from now (none for nullopt); saturates instead of overflowing, so a
// timeout of 2^63 ms means "practically never", not "already past".
std::optional<std::chrono::steady_clock::time_point> deadline_after(
    std::optional<uint64_t> timeout_ms);

// Runs `body`, which calls into `instance`, under `limits`. Exceptions from `body` propagate.
void run_guest_call(GuestInstance& instance, EpochTicker& ticker, const GuestCallLimits& limits,
                    const std::function<void()>& body);

}  // namespace eryx::engine
