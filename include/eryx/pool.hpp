// A SandboxPool leases the sandboxes of one SandboxFactory to many threads: at most max_size
// leases at once, acquire() waiting (up to acquire_timeout_ms) when all are out, statistics of
// the waits. Made by SandboxFactory::create_pool (docs/guide/pools.md).
//
// What a slot is here: every execute of an eryx sandbox already starts from a fresh instance of
// the factory's image, so a pooled sandbox keeps no interpreter between leases. A lease is a
// Sandbox of the factory made with that lease's options (limits, callbacks, output handlers) and
// dropped at release; the slot it occupied is a permit. The pool therefore bounds concurrency
// and reports it; it never hands state from one lease to the next, because there is none to hand.
//
// Guarantees:
// - Nothing of one lease reaches the next: not variables, files in /tmp, environment, callbacks,
//   output handlers nor limits (each execution is a fresh instance; the options die with the
//   lease).
// - A slot comes back only when its lease is released AND the lease's last execution has ended:
//   releasing (or destroying) a lease while another thread still executes on it, or while a
//   timed-out or cancelled execution is still unwinding, keeps the slot taken until that
//   execution returns.
// - Thread-safe: acquire, try_acquire, stats, evict_idle and close from any thread; one lease
//   may execute on several threads at once, like a Sandbox.
// - close() wakes every waiting acquire with PoolClosedError; leases already out keep working,
//   and their slots are dropped when they come back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "eryx/cancellation.hpp"
#include "eryx/errors.hpp"
#include "eryx/options.hpp"
#include "eryx/result.hpp"

namespace eryx {

class SandboxFactory;

namespace detail {
struct PoolState;
struct LeaseState;
}  // namespace detail

struct PoolOptions {
  // Leases out at once (1..kMaxSize).
  size_t max_size = 10;
  // Slots kept ready: made when the pool is made, and never evicted (0..max_size).
  size_t min_idle = 1;
  // How long acquire() waits for a lease to come back; PoolTimeoutError past it. 0: no wait,
  // PoolExhaustedError at once when every slot is out.
  uint64_t acquire_timeout_ms = 30'000;
  // evict_idle() drops slots idle for longer than this (keeping min_idle).
  uint64_t idle_timeout_ms = 300'000;

  static constexpr size_t kMaxSize = 1'000'000;
};

// A point-in-time view of the pool (SandboxPool::stats).
struct PoolStats {
  size_t total = 0;      // slots that exist: in use + idle
  size_t idle = 0;       // slots ready to lease
  size_t available = 0;  // leases that could start now: max_size - in_use
  size_t in_use = 0;     // slots out (a released lease whose execution still runs counts)
  uint64_t total_acquisitions = 0;
  uint64_t total_creations = 0;  // slots made: min_idle at the start, then on demand
  uint64_t wait_count = 0;       // acquisitions that found every slot out and waited
  double total_wait_time_ms = 0;

  double average_wait_time_ms() const {
    return wait_count == 0 ? 0.0 : total_wait_time_ms / static_cast<double>(wait_count);
  }
};

// What one lease runs with; reset at every acquire (nothing is inherited from an earlier lease).
struct LeaseOptions {
  ResourceLimits limits;
  CallbackRegistry callbacks;
  OutputHandler on_stdout;
  OutputHandler on_stderr;
};

// One lease of a SandboxPool. Move-only; released by release() or its destructor.
class PooledSandbox {
 public:
  PooledSandbox(PooledSandbox&& other) noexcept;
  PooledSandbox& operator=(PooledSandbox&& other) noexcept;
  PooledSandbox(const PooledSandbox&) = delete;
  PooledSandbox& operator=(const PooledSandbox&) = delete;
  ~PooledSandbox();

  // As Sandbox::execute (a fresh interpreter each time, the same errors); PoolError when the lease
  // was released.
  ExecuteResult execute(std::string_view code, const CancellationToken& cancel = {}) const;
  ExecuteResult execute(std::string_view code, const ExecuteOptions& execute_options,
                        const CancellationToken& cancel = {}) const;

  // Gives the lease back; idempotent. Executions already running finish (the slot returns when
  // the last one ends); later execute calls throw PoolError.
  void release() noexcept;
  bool released() const noexcept;

 private:
  friend class SandboxPool;
  explicit PooledSandbox(std::shared_ptr<detail::LeaseState> lease);
  std::shared_ptr<detail::LeaseState> lease_;
};

class SandboxPool {
 public:
  // Closes the pool (see close()); leases out keep working.
  ~SandboxPool();
  SandboxPool(SandboxPool&&) noexcept;
  SandboxPool& operator=(SandboxPool&&) noexcept;
  SandboxPool(const SandboxPool&) = delete;
  SandboxPool& operator=(const SandboxPool&) = delete;

  // A lease, waiting up to acquire_timeout_ms for one when all are out. Throws PoolClosedError,
  // PoolTimeoutError, PoolExhaustedError (acquire_timeout_ms = 0), CancelledError (`cancel`
  // cancelled or interrupted while waiting), InvalidArgumentError (bad limits).
  PooledSandbox acquire(LeaseOptions options = {}, const CancellationToken& cancel = {}) const;
  // A lease if one is free now, else nullopt. Throws PoolClosedError, InvalidArgumentError.
  std::optional<PooledSandbox> try_acquire(LeaseOptions options = {}) const;

  PoolStats stats() const;
  // Drops idle slots idle longer than idle_timeout_ms (keeping min_idle); returns how many.
  size_t evict_idle() const;
  // No more leases: waiting acquires throw PoolClosedError, idle slots are dropped. Idempotent.
  void close() const;
  bool is_closed() const;
  const PoolOptions& options() const;

 private:
  friend class SandboxFactory;
  SandboxPool(const SandboxFactory& factory, PoolOptions options);
  detail::PoolState& state() const;  // throws PoolError on a moved-from pool
  std::shared_ptr<detail::PoolState> state_;
};

}  // namespace eryx
