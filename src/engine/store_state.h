// Per-store host state: what the guest's imports read and write during one instance's life.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <wasmtime.hh>

#include "callbacks/broker.h"
#include "wasi/context.h"

namespace eryx::engine {

// An exception the guest reported through eryx.report_exception.
struct GuestException {
  std::string type_name;
  std::string message;
  std::string traceback;
};

// What the guest reported through eryx.report_result.
struct GuestResult {
  // kJson also carries state blobs (snapshot_state); kTooLarge is the host's own verdict.
  enum class Kind { kJson = 0, kUnserializable = 1, kAbsent = 2, kTooLarge = 100 };
  Kind kind = Kind::kAbsent;
  std::string text;  // JSON or blob, or why there is none
};

// Why an execution was stopped from the host side.
enum class StopReason { kNone, kTimeout, kCancelled };

struct StoreState {
  std::unique_ptr<wasi::WasiContext> wasi;
  std::optional<wasmtime::Memory> memory;  // the instance's exported memory, once instantiated
  std::optional<GuestException> exception;
  std::optional<GuestResult> result;

  // The callbacks of the running execution (null between executions: every call is unknown).
  callbacks::Broker* callbacks = nullptr;
  // Set once the running execution has called a callback (cleared when it ends), so a Session can
  // refuse a re-entrant execute from one of its callbacks instead of deadlocking.
  std::atomic<bool>* callbacks_running = nullptr;

  // Deadline and cancellation, checked by the epoch callback and by host waits.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  const std::atomic<bool>* cancel = nullptr;
  StopReason stop_reason = StopReason::kNone;

  // Returns true (and records why) when the execution must stop now.
  bool should_stop() {
    if (stop_reason != StopReason::kNone) return true;
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      stop_reason = StopReason::kCancelled;
    } else if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      stop_reason = StopReason::kTimeout;
    }
    return stop_reason != StopReason::kNone;
  }
};

// The StoreState of the store a host call comes from.
inline StoreState& store_state(wasmtime::Caller& caller) {
  return *std::any_cast<StoreState*>(caller.context().get_data());
}

}  // namespace eryx::engine
