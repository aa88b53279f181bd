// Waiting on sockets for the guest: poll(2) in short slices, so a wait also ends at the execution
// deadline, on a stop or an interrupt, or (net_poll) when a callback completes, without a timer
// thread or a wake-up pipe per sandbox.
#pragma once

#include <poll.h>

#include <chrono>
#include <span>

#include "net/net_session.h"

namespace eryx::net {

enum class Waited { kReady, kTimedOut, kStopped, kInterrupted, kCallback };

// Waits until one of `fds` has an event (revents filled in), until `until`, or until `wait` says
// otherwise. `wake_on_callbacks` also ends it when wait.callback_ready().
Waited wait_fds(std::span<pollfd> fds, std::chrono::steady_clock::time_point until,
                const WaitControl& wait, bool wake_on_callbacks = false);

// The end of an operation allowed `timeout_ms` (the guest's: -1 none, 0 none at all) and at most
// `host_limit_ms`.
std::chrono::steady_clock::time_point operation_deadline(int64_t timeout_ms,
                                                         uint64_t host_limit_ms);

}  // namespace eryx::net
