#include "eryx/session.hpp"

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>

#include "api/code_validation.h"
#include "api/factory_data.h"
#include "api/flavours.h"
#include "api/mounts.h"
#include "api/sandbox_services.h"
#include "engine/execution.h"
#include "engine/guest_call.h"
#include "engine/guest_module.h"
#include "engine/guest_packages.h"
#include "engine/runtime_core.h"
#include "engine/session_image.h"
#include "eryx/errors.hpp"
#include "eryx/factory.hpp"

namespace eryx {
namespace detail {

// The live interpreter of a Session and the lock that serialises its executions.
class SessionCore {
 public:
  // `factory` (may be null): every fresh interpreter of the session starts from its state.
  SessionCore(SandboxOptions options, std::shared_ptr<Runtime> runtime,
              std::shared_ptr<const FactoryData> factory = nullptr)
      : runtime_(std::move(runtime)),
        factory_(std::move(factory)),
        options_(std::move(options)),
        variant_(runtime_->core().variant_for(options_.limits)),
        services_(SandboxServices::compile(options_)),
        mounts_(mounts_of(options_)),
        timeout_ms_(options_.limits.execution_timeout_ms) {
    validate_result_variable(options_.result_variable);
    validate_limits(options_.limits);
    start_fresh();
  }

  ExecuteResult execute(std::string_view code, const CancellationToken& cancel,
                        std::string_view filename) {
    validate_code(code);
    validate_name(filename, "filename");
    auto lock = acquire();
    if (!instance_) start_fresh();
    ++execution_count_;
    {
      std::lock_guard info(info_mutex_);
      options_.limits.execution_timeout_ms = timeout_ms_;
    }
    bool reseed = std::exchange(reseed_pending_, false);
    try {
      return engine::run_execution(*instance_, code, options_,
                                   {.ticker = variant_.ticker(),
                                    .metered = variant_.metered(),
                                    .stop = cancel.state(),
                                    .reseed = reseed,
                                    .callbacks_running = &callbacks_running_,
                                    .network = services_->network,
                                    .secrets = services_->secrets,
                                    .filename = filename});
    } catch (const ExecutionError&) {
      throw;  // a Python exception leaves the interpreter intact
    } catch (...) {
      if (instance_->torn()) instance_.reset();  // rebuilt on the next execute
      throw;
    }
  }

  void reset() {
    auto lock = acquire();
    start_fresh();
  }

  // A copy of this session: same options, same live interpreter state.
  std::unique_ptr<SessionCore> fork() {
    auto lock = acquire();
    if (!instance_) start_fresh();
    auto image = instance_->capture({});
    auto child =
        std::unique_ptr<SessionCore>(new SessionCore(options_, runtime_, variant_, services_));
    child->factory_ = factory_;
    child->instance_ =
        variant_.fresh_instance({.max_memory_bytes = options_.limits.max_memory_bytes});
    child->instance_->restore(image);
    child->execution_count_ = execution_count_.load();
    child->set_timeout(timeout());
    child->reseed_pending_ = true;  // like os.fork: the child must not repeat the parent's randoms
    return child;
  }

  std::string snapshot() {
    auto lock = acquire();
    if (!instance_) start_fresh();
    // Pages equal to a fresh interpreter's are left out; reading them in place costs less than
    // keeping a copy of the fresh memory around.
    auto fresh = variant_.fresh_instance({});
    return engine::SessionImage::capture(*instance_, *fresh, execution_count_.load(),
                                         fingerprint());
  }

  static std::unique_ptr<SessionCore> from_snapshot(std::string_view bytes, SandboxOptions options,
                                                    std::shared_ptr<Runtime> runtime) {
    validate_result_variable(options.result_variable);
    validate_limits(options.limits);
    const auto& variant = runtime->core().variant_for(options.limits);
    auto services = SandboxServices::compile(options);
    auto core = std::unique_ptr<SessionCore>(
        new SessionCore(options, std::move(runtime), variant, std::move(services)));
    auto image = engine::SessionImage::parse(bytes, core->fingerprint());
    const auto& limits = core->options_.limits;
    if (limits.max_memory_bytes && image.memory_size > *limits.max_memory_bytes) {
      throw ResourceLimitError("eryx: the Session snapshot's interpreter uses " +
                               std::to_string(image.memory_size) +
                               " bytes of memory, more than max_memory_bytes (" +
                               std::to_string(*limits.max_memory_bytes) + ")");
    }
    // The packages' files are the host's layout, as the stdlib: not in the bytes, placed anew (the
    // interpreter's sys.path, part of the bytes, names them already).
    auto instance = variant.fresh_instance({.max_memory_bytes = limits.max_memory_bytes}, nullptr,
                                           core->services_->packages.get());
    // The mounts are this session's (the bytes never hold shared storage): placed before the fd
    // table is restored, which keeps their preopens.
    engine::add_mounts(*instance, core->mounts_);
    // The quota applies to the restored files already, as run_execution applies it to writes.
    if (limits.max_vfs_bytes) instance->state().wasi->vfs().set_quota_bytes(*limits.max_vfs_bytes);
    image.restore_into(*instance);
    core->instance_ = std::move(instance);
    core->execution_count_ = image.execution_count;
    core->reseed_pending_ = true;  // as fork(): restores must not repeat each other's randoms
    return core;
  }

  void clear_state(const CancellationToken& cancel) {
    maintain(cancel, [](engine::GuestInstance& instance) { instance.clear_state(); });
  }

  std::string snapshot_state(const CancellationToken& cancel) {
    std::string blob;
    maintain(cancel, [&](engine::GuestInstance& instance) { blob = instance.snapshot_state(); });
    return blob;
  }

  void restore_state(std::string_view blob, const CancellationToken& cancel) {
    maintain(cancel, [&](engine::GuestInstance& instance) { instance.restore_state(blob); });
  }

  // These never wait for a running execution (a callback may call them).
  uint64_t execution_count() const { return execution_count_.load(); }

  std::optional<uint64_t> timeout() const {
    std::lock_guard info(info_mutex_);
    return timeout_ms_;
  }

  void set_timeout(std::optional<uint64_t> timeout_ms) {
    std::lock_guard info(info_mutex_);
    timeout_ms_ = timeout_ms;
  }

 private:
  // For fork(): a core whose instance the caller provides.
  SessionCore(const SandboxOptions& options, std::shared_ptr<Runtime> runtime,
              const engine::EngineVariant& variant, std::shared_ptr<const SandboxServices> services)
      : runtime_(std::move(runtime)),
        options_(options),
        variant_(variant),
        services_(std::move(services)),
        mounts_(mounts_of(options_)),
        timeout_ms_(options.limits.execution_timeout_ms) {}

  // Runs a host-initiated guest operation on the live interpreter. The guest's own code runs in
  // it (__reduce__, __del__, unpickling), so it has the session's execution timeout and `cancel`.
  template <typename F>
  void maintain(const CancellationToken& cancel, F&& operation) {
    auto lock = acquire();
    if (!instance_) start_fresh();
    try {
      engine::run_guest_call(
          *instance_, variant_.ticker(),
          {.deadline = engine::deadline_after(timeout()), .stop = cancel.state()}, [&] {
            // Guest code runs here too (unpickling, __del__): it must see this session's mounts.
            if (instance_->state().wasi->take_preopens_changed()) instance_->reset_preopens();
            operation(*instance_);
          });
    } catch (...) {
      if (instance_->torn()) instance_.reset();  // rebuilt on the next use
      throw;
    }
  }

  // The session's lock, and which thread holds it (so that thread re-entering is refused).
  class Holder {
   public:
    Holder(std::unique_lock<std::mutex> lock, std::atomic<std::thread::id>& holder)
        : lock_(std::move(lock)), holder_(holder) {
      holder_.store(std::this_thread::get_id());
    }
    ~Holder() { holder_.store(std::thread::id()); }
    Holder(const Holder&) = delete;
    Holder& operator=(const Holder&) = delete;

   private:
    std::unique_lock<std::mutex> lock_;
    std::atomic<std::thread::id>& holder_;
  };

  // Locks the session for an operation on its interpreter. Waiting would deadlock when the caller
  // is one of the running execution's callbacks, so that case (any caller while an execution
  // with callbacks runs) is refused instead.
  Holder acquire() {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) {
      if (holder_ == std::this_thread::get_id()) {
        throw Error(
            "eryx: this Session is busy on this very thread (an output handler or callback of "
            "its running execution cannot use the session: it would deadlock). Use another "
            "Session or a Sandbox.");
      }
      if (callbacks_running_.load()) {
        throw Error(
            "eryx: this Session is running an execution that called callbacks; a callback cannot "
            "use the session that called it (it would deadlock). Use another Session or a "
            "Sandbox.");
      }
      lock.lock();
    }
    return Holder(std::move(lock), holder_);
  }

  // What a snapshot is valid for. With the runtime's snapshot module both engine variants start
  // from the same memory, so a snapshot moves between them; without it each variant started its
  // own interpreter, whose memory may differ.
  std::string fingerprint() const {
    std::string fingerprint = runtime_->core().factory_fingerprint();
    if (!variant_.from_snapshot()) fingerprint += variant_.metered() ? "/metered" : "/plain";
    return fingerprint;
  }

  void start_fresh() {
    auto instance =
        variant_.fresh_instance({.max_memory_bytes = options_.limits.max_memory_bytes},
                                factory_ ? &factory_->image : nullptr, services_->packages.get());
    engine::add_mounts(*instance, mounts_);
    instance_ = std::move(instance);
    execution_count_ = 0;
    // The built-in image's `random` and a factory's state are shared by all sessions: each must
    // not repeat the others' randoms.
    reseed_pending_ = true;
    if (services_->packages) {
      try {
        engine::run_guest_call(*instance_, variant_.ticker(),
                               {.deadline = engine::deadline_after(timeout())},
                               [&] { engine::activate_packages(*instance_); });
      } catch (...) {
        instance_.reset();
        throw;
      }
    }
  }

  std::shared_ptr<Runtime> runtime_;            // keeps the engine variant alive
  std::shared_ptr<const FactoryData> factory_;  // null: the runtime's fresh interpreter
  SandboxOptions options_;
  const engine::EngineVariant& variant_;
  std::shared_ptr<const SandboxServices> services_;  // network, secrets (a fork shares them)
  std::vector<wasi::MountPoint> mounts_;  // shared storage: the same on every fresh instance
  mutable std::mutex mutex_;
  std::atomic<std::thread::id> holder_;  // the thread holding mutex_, if any
  std::unique_ptr<engine::GuestInstance> instance_;
  std::atomic<uint64_t> execution_count_ = 0;
  mutable std::mutex info_mutex_;       // guards timeout_ms_
  std::optional<uint64_t> timeout_ms_;  // applied to options_ at each execute
  bool reseed_pending_ = false;         // a fork's first execution reseeds `random`
  std::atomic<bool> callbacks_running_{false};
};

}  // namespace detail

Session::Session(SandboxOptions options, std::shared_ptr<Runtime> runtime)
    : core_(std::make_unique<detail::SessionCore>(
          std::move(options), detail::runtime_for(options.guest, std::move(runtime)))) {}
Session::Session(std::unique_ptr<detail::SessionCore> core) : core_(std::move(core)) {}

// Here rather than in factory.cpp: it builds a SessionCore, which only this file knows.
Session SandboxFactory::create_session(SandboxOptions options) const {
  return Session(std::make_unique<detail::SessionCore>(std::move(options), runtime_, data_));
}
Session::~Session() = default;
Session Session::fork() { return Session(core_->fork()); }
std::string Session::snapshot() const { return core_->snapshot(); }
Session Session::from_snapshot(std::string_view bytes, SandboxOptions options,
                               std::shared_ptr<Runtime> runtime) {
  return Session(detail::SessionCore::from_snapshot(
      bytes, std::move(options), detail::runtime_for(options.guest, std::move(runtime))));
}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

ExecuteResult Session::execute(std::string_view code, const CancellationToken& cancel) {
  return core_->execute(code, cancel, {});
}
ExecuteResult Session::execute(std::string_view code, const ExecuteOptions& execute_options,
                               const CancellationToken& cancel) {
  return core_->execute(code, cancel, execute_options.filename);
}
void Session::reset() { core_->reset(); }
void Session::clear_state(const CancellationToken& cancel) { core_->clear_state(cancel); }
std::string Session::snapshot_state(const CancellationToken& cancel) {
  return core_->snapshot_state(cancel);
}
void Session::restore_state(std::string_view blob, const CancellationToken& cancel) {
  core_->restore_state(blob, cancel);
}
uint64_t Session::execution_count() const { return core_->execution_count(); }
std::optional<uint64_t> Session::execution_timeout_ms() const { return core_->timeout(); }
void Session::set_execution_timeout_ms(std::optional<uint64_t> timeout_ms) {
  ResourceLimits limits;
  limits.execution_timeout_ms = timeout_ms;
  detail::validate_limits(limits);
  core_->set_timeout(timeout_ms);
}

}  // namespace eryx
