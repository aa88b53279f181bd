// The callbacks of one execution: starts calls the guest makes (validating name, limits, size and
// arguments first), runs them concurrently, and hands completions back to the guest's event loop.
// Engine-free: the engine's `eryx` imports call it, the guest memory never reaches it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "eryx/callbacks.hpp"

namespace eryx::callbacks {

// Outcome codes the guest receives (docs/guest-abi.md).
enum class CallStatus : uint32_t {
  kOk = 0,                // payload: the result as JSON
  kError = 1,             // payload: the handler's error message
  kInvalidArguments = 2,  // payload: the schema violation
  kUnknown = 3,           // no callback of that name
  kLimit = 4,             // max_callback_invocations reached
  kTimeout = 5,           // callback_timeout_ms passed
  kTooLarge = 6,          // arguments or result over the size cap
};

struct CallLimits {
  std::optional<uint64_t> timeout_ms;
  std::optional<uint64_t> max_invocations;
  uint64_t max_payload_bytes = 4 * 1024 * 1024;
};

struct Completion {
  uint32_t handle = 0;
  CallStatus status = CallStatus::kOk;
  std::string payload;
};

struct CallTable;  // shared with the handlers still running

class Broker {
 public:
  using Clock = std::chrono::steady_clock;

  // `registry` may be null (no callbacks: every call is unknown).
  Broker(std::shared_ptr<const detail::RegistryData> registry, CallLimits limits);
  ~Broker();  // calls still running complete into the void
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Starts a call; returns its handle (> 0). Failures that need no handler (unknown name, limit,
  // size, invalid arguments) complete at once, except that arguments over 64 KiB are decoded and
  // validated on the pool (they may take tenths of a second; the guest's wait stays interruptible).
  uint32_t start(std::string_view name, std::string_view arguments_json);

  struct Ready {
    uint32_t handle = 0;
    CallStatus status = CallStatus::kOk;
    size_t payload_size = 0;
  };
  enum class WaitResult { kReady, kTimedOut, kIdle, kStopped };
  // Waits until a completion is ready (the oldest is described in *ready), until `until`, or until
  // should_stop() returns true (polled every few ms). kIdle: no call is in flight or ready.
  WaitResult wait(std::optional<Clock::time_point> until, const std::function<bool()>& should_stop,
                  Ready* ready);

  // Removes and returns the completion of `handle`, if it is ready and its payload fits
  // `max_payload` bytes. kMissing: no such ready completion; kTooSmall: it stays ready.
  enum class TakeError { kMissing, kTooSmall };
  std::optional<Completion> take(uint32_t handle, size_t max_payload = SIZE_MAX,
                                 TakeError* error = nullptr);

  uint64_t invocations() const;
  bool limit_exceeded() const;

 private:
  std::shared_ptr<const detail::RegistryData> registry_;
  CallLimits limits_;
  std::shared_ptr<CallTable> table_;
};

}  // namespace eryx::callbacks
