// What the guest's imports read and write during one instance's life, without the engine: the
// exception and result the guest reported, the running execution's callbacks, and its deadline,
// stop requests and interrupts. The engine's StoreState adds the Wasm memory handle.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "callbacks/broker.h"
#include "eryx/cancellation.hpp"
#include "host/eryx_abi.h"
#include "net/net_session.h"
#include "secrets/scrubber.h"
#include "wasi/context.h"
#include "wasi/guest_memory.h"

namespace eryx::host {

// An exception the guest reported through eryx.report_exception.
struct GuestException {
  std::string type_name;
  std::string message;
  std::string traceback;
};

// What the guest reported through eryx.report_result.
struct GuestResult {
  // kJson also carries state blobs (snapshot_state); kTooLarge is the host's own verdict.
  enum class Kind {
    kJson = ERYX_RESULT_JSON,
    kUnserializable = ERYX_RESULT_UNSERIALIZABLE,
    kAbsent = ERYX_RESULT_ABSENT,
    kTooLarge = 100
  };
  Kind kind = Kind::kAbsent;
  std::string text;  // JSON or blob, or why there is none
};

// Why an execution was stopped from the host side.
enum class StopReason { kNone, kTimeout, kCancelled, kInterruptIgnored };

// Addresses of the guest words the host reads and writes without calling into the guest (the
// guest's eryx_host_info export, guest/glue/eryx_host_words.c): the same in every instance of one
// engine variant.
struct HostWords {
  uint32_t async_exc_addr = 0;
  uint32_t eval_breaker_addr = 0;
  uint32_t async_exc_bit = 0;
  uint32_t keyboard_interrupt = 0;
  uint32_t memory_denials_addr = 0;
};

struct HostState {
  std::unique_ptr<wasi::WasiContext> wasi;
  std::optional<GuestException> exception;
  std::optional<GuestResult> result;

  // The callbacks of the running execution (null between executions: every call is unknown).
  callbacks::Broker* callbacks = nullptr;
  // Set once the running execution has called a callback (cleared when it ends), so a Session can
  // refuse a re-entrant execute from one of its callbacks instead of deadlocking.
  std::atomic<bool>* callbacks_running = nullptr;
  // Redacts secrets in callback arguments before a handler sees them (null: passed as written).
  const secrets::Scrubber* callback_scrubber = nullptr;

  // The sandbox's network (null: none; every net_* import answers ERYX_NET_DISABLED). Lives as
  // long as the instance, so a Session's connections survive between executions.
  std::unique_ptr<net::NetSession> net;

  // Deadline and stop requests of the running guest call (engine/guest_call.h), checked by the
  // epoch callback and by host waits.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  const CancellationToken::State* stop = nullptr;
  StopReason stop_reason = StopReason::kNone;
  // Interrupts: raised as KeyboardInterrupt only while the user's code runs (accept_interrupts);
  // an interrupt not acted on by `escalate_at` becomes a hard stop.
  const HostWords* host_words = nullptr;  // null: this guest cannot be interrupted softly
  bool accept_interrupts = false;
  uint64_t interrupts_delivered = 0;
  std::optional<std::chrono::steady_clock::time_point> escalate_at;

  // Returns true (and records why) when the execution must stop now.
  bool should_stop() {
    if (stop_reason != StopReason::kNone) return true;
    auto now = [] { return std::chrono::steady_clock::now(); };
    if (stop != nullptr && stop->cancelled.load(std::memory_order_relaxed)) {
      stop_reason = StopReason::kCancelled;
    } else if (deadline && now() >= *deadline) {
      stop_reason = StopReason::kTimeout;
    } else if (escalate_at && now() >= *escalate_at) {
      stop_reason = StopReason::kInterruptIgnored;
    }
    return stop_reason != StopReason::kNone;
  }

  // True when an interrupt was requested and not yet acted on.
  bool interrupt_pending() const {
    return stop != nullptr &&
           stop->interrupts.load(std::memory_order_acquire) > interrupts_delivered;
  }

  // Acts on pending interrupts: raises KeyboardInterrupt in the guest (writing the words of
  // HostWords into `memory`) when its code runs, and starts the grace period after which an
  // ignored interrupt stops the call hard. Call on the guest's thread, between Wasm instructions.
  void act_on_interrupts(wasi::GuestMemory memory) {
    if (!interrupt_pending()) return;
    uint64_t requested = stop->interrupts.load(std::memory_order_acquire);
    auto grace = std::chrono::milliseconds(stop->grace_ms.load(std::memory_order_relaxed));
    if (!escalate_at) escalate_at = std::chrono::steady_clock::now() + grace;
    if (!accept_interrupts) return;  // stays pending: delivered once user code runs again
    interrupts_delivered = requested;
    if (host_words == nullptr) {
      escalate_at = std::chrono::steady_clock::now();  // no soft way: stop now
      return;
    }
    auto breaker = memory.read<uint32_t>(host_words->eval_breaker_addr);
    if (!breaker ||
        !memory.write<uint32_t>(host_words->async_exc_addr, host_words->keyboard_interrupt) ||
        !memory.write<uint32_t>(host_words->eval_breaker_addr,
                                *breaker | host_words->async_exc_bit)) {
      escalate_at = std::chrono::steady_clock::now();
    }
  }
};

}  // namespace eryx::host
