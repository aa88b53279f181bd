#include "eryx/pool.hpp"

#include <chrono>
#include <string>
#include <utility>

#include "eryx/factory.hpp"
#include "eryx/sandbox.hpp"
#include "pool/lease_gate.h"
#include "pool/pool_core.h"
#include "util/deadline.h"

namespace eryx {

namespace detail {

struct PoolState {
  PoolState(SandboxFactory f, PoolOptions o)
      : factory(std::move(f)),
        options(o),
        core({.max_size = o.max_size,
              .min_idle = o.min_idle,
              .idle_timeout = std::chrono::duration_cast<pool::PoolCore::Clock::duration>(
                  std::chrono::milliseconds(o.idle_timeout_ms))}) {}  // validated: <= a year

  const SandboxFactory factory;
  const PoolOptions options;
  pool::PoolCore core;
};

// One lease: its sandbox (the lease's options) and the gate that returns its slot once the lease
// is released and nothing runs on it any more. The options (callbacks, output handlers) are
// dropped before the slot is free, outside any lock: dropping a binding's handler may take a lock
// of its own (the GIL).
struct LeaseState {
  LeaseState(std::shared_ptr<PoolState> p, Sandbox s)
      : pool(std::move(p)), sandbox(std::make_shared<const Sandbox>(std::move(s))), gate([this] {
          sandbox.reset();  // no execution is running: nothing else reads it now
          pool->core.give_back();
        }) {}

  // The sandbox to run on, counted as running until gate.leave(); throws PoolError once released.
  std::shared_ptr<const Sandbox> begin() {
    if (!gate.enter()) throw PoolError("eryx: this PooledSandbox was released");
    return sandbox;
  }

  const std::shared_ptr<PoolState> pool;
  std::shared_ptr<const Sandbox> sandbox;
  pool::LeaseGate gate;
};

}  // namespace detail

namespace {

void validate(const PoolOptions& options) {
  if (options.max_size == 0 || options.max_size > PoolOptions::kMaxSize) {
    throw InvalidArgumentError("eryx: max_size must be between 1 and " +
                               std::to_string(PoolOptions::kMaxSize) + ", got " +
                               std::to_string(options.max_size));
  }
  if (options.min_idle > options.max_size) {
    throw InvalidArgumentError("eryx: min_idle (" + std::to_string(options.min_idle) +
                               ") cannot exceed max_size (" + std::to_string(options.max_size) +
                               ")");
  }
  for (auto [value, name] : {std::pair{options.acquire_timeout_ms, "acquire_timeout_ms"},
                             {options.idle_timeout_ms, "idle_timeout_ms"}}) {
    if (value > ResourceLimits::kMaxTimeoutMs) {
      throw InvalidArgumentError("eryx: " + std::string(name) + " must be at most " +
                                 std::to_string(ResourceLimits::kMaxTimeoutMs) + " (a year), got " +
                                 std::to_string(value));
    }
  }
}

// The lease's sandbox; made before a slot is taken, so bad options (limits) cost no slot.
Sandbox lease_sandbox(const SandboxFactory& factory, LeaseOptions options) {
  SandboxOptions sandbox_options;
  sandbox_options.limits = std::move(options.limits);
  sandbox_options.callbacks = std::move(options.callbacks);
  sandbox_options.on_stdout = std::move(options.on_stdout);
  sandbox_options.on_stderr = std::move(options.on_stderr);
  return factory.create_sandbox(std::move(sandbox_options));
}

}  // namespace

// ---- PooledSandbox ----

PooledSandbox::PooledSandbox(std::shared_ptr<detail::LeaseState> lease)
    : lease_(std::move(lease)) {}
PooledSandbox::PooledSandbox(PooledSandbox&& other) noexcept = default;
PooledSandbox& PooledSandbox::operator=(PooledSandbox&& other) noexcept {
  if (this != &other) {
    release();
    lease_ = std::move(other.lease_);
  }
  return *this;
}
PooledSandbox::~PooledSandbox() { release(); }

ExecuteResult PooledSandbox::execute(std::string_view code, const CancellationToken& cancel) const {
  return execute(code, ExecuteOptions{}, cancel);
}

ExecuteResult PooledSandbox::execute(std::string_view code, const ExecuteOptions& execute_options,
                                     const CancellationToken& cancel) const {
  if (!lease_) throw PoolError("eryx: this PooledSandbox was moved from");
  auto sandbox = lease_->begin();
  // The lease's options go before the slot may: this copy is dropped before leaving the gate.
  struct End {
    detail::LeaseState& lease;
    std::shared_ptr<const Sandbox>& sandbox;
    ~End() {
      sandbox.reset();
      lease.gate.leave();
    }
  } end{*lease_, sandbox};
  return end.sandbox->execute(code, execute_options, cancel);
}

void PooledSandbox::release() noexcept {
  if (lease_) lease_->gate.release();
}

bool PooledSandbox::released() const noexcept { return !lease_ || lease_->gate.released(); }

// ---- SandboxPool ----

detail::PoolState& SandboxPool::state() const {
  if (!state_) throw PoolError("eryx: this SandboxPool was moved from");
  return *state_;
}

SandboxPool::SandboxPool(const SandboxFactory& factory, PoolOptions options) {
  validate(options);
  state_ = std::make_shared<detail::PoolState>(factory, options);
}

SandboxPool::~SandboxPool() {
  if (state_) state_->core.close();
}
SandboxPool::SandboxPool(SandboxPool&&) noexcept = default;
SandboxPool& SandboxPool::operator=(SandboxPool&& other) noexcept {
  if (this != &other) {
    if (state_) state_->core.close();
    state_ = std::move(other.state_);
  }
  return *this;
}

PooledSandbox SandboxPool::acquire(LeaseOptions options, const CancellationToken& cancel) const {
  auto sandbox = lease_sandbox(state().factory, std::move(options));
  const uint64_t interrupts = cancel.interrupts();
  std::optional<pool::PoolCore::Clock::time_point> until;
  if (state().options.acquire_timeout_ms > 0) {
    until = util::deadline_in(state().options.acquire_timeout_ms);
  }
  auto taken = state().core.take(
      until, [&] { return cancel.cancelled() || cancel.interrupts() != interrupts; });
  using Taken = pool::PoolCore::Taken;
  switch (taken) {
    case Taken::kIdle:
    case Taken::kCreated:
      break;
    case Taken::kClosed:
      throw PoolClosedError("eryx: the SandboxPool is closed");
    case Taken::kStopped:
      throw CancelledError("eryx: acquire() was cancelled while waiting for a sandbox");
    case Taken::kBusy:
      if (!until) {
        throw PoolExhaustedError("eryx: all " + std::to_string(state().options.max_size) +
                                 " sandboxes of the pool are in use (acquire_timeout_ms is 0)");
      }
      throw PoolTimeoutError("eryx: no sandbox of the pool came back within " +
                             std::to_string(state().options.acquire_timeout_ms) + " ms (all " +
                             std::to_string(state().options.max_size) + " in use)");
  }
  return PooledSandbox(std::make_shared<detail::LeaseState>(state_, std::move(sandbox)));
}

std::optional<PooledSandbox> SandboxPool::try_acquire(LeaseOptions options) const {
  auto sandbox = lease_sandbox(state().factory, std::move(options));
  auto taken = state().core.take(std::nullopt);
  if (taken == pool::PoolCore::Taken::kClosed) {
    throw PoolClosedError("eryx: the SandboxPool is closed");
  }
  if (taken == pool::PoolCore::Taken::kBusy) return std::nullopt;
  return PooledSandbox(std::make_shared<detail::LeaseState>(state_, std::move(sandbox)));
}

PoolStats SandboxPool::stats() const {
  auto core = state().core.stats();
  PoolStats stats;
  stats.total = core.total;
  stats.idle = core.idle;
  stats.available = core.available;
  stats.in_use = core.in_use;
  stats.total_acquisitions = core.acquisitions;
  stats.total_creations = core.creations;
  stats.wait_count = core.waits;
  stats.total_wait_time_ms = std::chrono::duration<double, std::milli>(core.wait_time).count();
  return stats;
}

size_t SandboxPool::evict_idle() const { return state().core.evict_idle(); }
void SandboxPool::close() const { state().core.close(); }
bool SandboxPool::is_closed() const { return state().core.closed(); }
const PoolOptions& SandboxPool::options() const { return state().options; }

SandboxPool SandboxFactory::create_pool(PoolOptions options) const {
  return SandboxPool(*this, options);
}

}  // namespace eryx
