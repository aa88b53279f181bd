// Runs one execution in an instance: limits, deadline, output capture, statistics, and the
// translation of the guest's outcome into an ExecuteResult or a typed error.
#pragma once

#include <atomic>
#include <string_view>
#include <vector>

#include "engine/epoch_ticker.h"
#include "engine/guest_instance.h"
#include "eryx/cancellation.hpp"
#include "eryx/options.hpp"
#include "eryx/result.hpp"
#include "net/sandbox_network.h"
#include "secrets/sandbox_secrets.h"
#include "wasi/options.h"

namespace eryx::engine {

struct ExecutionContext {
  EpochTicker& ticker;
  bool metered;                                    // the instance belongs to a fuel-metering engine
  const CancellationToken::State* stop = nullptr;  // cancel() / interrupt() requests
  // Reseed the guest's `random` first: the instance holds state copied from another interpreter.
  bool reseed = false;
  // Set while an execution that has called callbacks runs (lets a Session refuse re-entrant
  // executes from its callbacks).
  std::atomic<bool>* callbacks_running = nullptr;
  // The sandbox's network; the instance opens its own connection table from it on first use.
  std::shared_ptr<const net::SandboxNetwork> network = nullptr;
  // The sandbox's secrets: placeholders in os.environ, and what is scrubbed (null: none).
  std::shared_ptr<const secrets::SandboxSecrets> secrets = nullptr;
  // Put the sandbox's packages on sys.path first (engine/guest_packages.h): a fresh interpreter
  // whose filesystem holds them.
  bool activate_packages = false;
  // The name the code is compiled under (tracebacks); empty: "<exec>".
  std::string_view filename = {};
};

// Adds the mounts (shared storage, volumes) to a fresh instance's WASI context; the guest lists
// its preopens again before its next execution. InvalidArgumentError when one cannot be placed.
void add_mounts(GuestInstance& instance, const std::vector<wasi::MountPoint>& mounts);

// Runs `code` (already validated) in `instance`. Throws ExecutionError, TimeoutError,
// CancelledError, ResourceLimitError or Error; after a trap `instance.torn()` is true.
ExecuteResult run_execution(GuestInstance& instance, std::string_view code,
                            const SandboxOptions& options, const ExecutionContext& context);

}  // namespace eryx::engine
