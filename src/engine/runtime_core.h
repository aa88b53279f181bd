// What all sandboxes of one runtime share: the guest files (module, stdlib image) and the engine
// variants compiled for them. The plain engine starts with the runtime; the fuel-metering one on
// first use of a fuel limit.
//
// Each engine variant keeps a pool of kDefaultPoolSlots instance slots
// (docs/instance-allocation.md). The environment variable ERYX_INSTANCE_POOL_SLOTS, read when a
// runtime is created, overrides that: a number from 0 (no pool: every instance allocated on demand)
// to kMaxPoolSlots.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "engine/engine_variant.h"
#include "eryx/cancellation.hpp"
#include "eryx/options.hpp"
#include "eryx/result.hpp"
#include "wasi/options.h"

namespace eryx::detail {}  // namespace eryx::detail
namespace eryx::net {
struct SandboxNetwork;
}  // namespace eryx::net
namespace eryx::secrets {
class SandboxSecrets;
}  // namespace eryx::secrets
namespace eryx::detail {

class RuntimeCore {
 public:
  // Loads the guest and checks it instantiates. Throws InitializationError (also for an invalid
  // ERYX_INSTANCE_POOL_SLOTS).
  explicit RuntimeCore(const RuntimeOptions& options);
  ~RuntimeCore();

  // The engine variant for executions with these limits (metered when a fuel limit is set).
  const engine::EngineVariant& variant_for(const ResourceLimits& limits) const;

  // Runs `code` (already validated) in a fresh interpreter, or in the state of `factory`, with
  // `packages` importable.
  ExecuteResult execute_fresh(std::string_view code, const SandboxOptions& options,
                              const CancellationToken::State* stop,
                              const snapshot::FactoryImage* factory = nullptr,
                              std::shared_ptr<const net::SandboxNetwork> network = nullptr,
                              std::shared_ptr<const secrets::SandboxSecrets> secrets = nullptr,
                              const std::vector<wasi::MountPoint>& mounts = {},
                              const packages::PackageSet* packages = nullptr,
                              std::string_view filename = {}) const;

  // Identifies the interpreter state factories of this runtime are captured against; a factory
  // only loads into a runtime with the same fingerprint.
  const std::string& factory_fingerprint() const;

 private:
  uint32_t pool_slots_;  // validated before the guest files are touched
  engine::GuestFiles files_;
  mutable std::once_flag fingerprint_once_;
  mutable std::string fingerprint_;
  std::unique_ptr<engine::EngineVariant> plain_;
  mutable std::mutex metered_mutex_;
  mutable std::unique_ptr<engine::EngineVariant> metered_;
};

}  // namespace eryx::detail
