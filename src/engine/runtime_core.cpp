#include "engine/runtime_core.h"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "callbacks/registry_data.h"
#include "engine/execution.h"
#include "engine/image_modules.h"
#include "engine/snapshot_capture.h"
#include "eryx/errors.hpp"
#include "util/sha256.h"

namespace eryx::detail {
namespace {

constexpr const char* kPoolSlotsVariable = "ERYX_INSTANCE_POOL_SLOTS";

uint32_t pool_slots_from_environment() {
  const char* text = std::getenv(kPoolSlotsVariable);
  if (text == nullptr || *text == '\0') return engine::kDefaultPoolSlots;
  std::string_view value(text);
  uint32_t slots = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), slots);
  if (error != std::errc() || end != value.data() + value.size() || slots > engine::kMaxPoolSlots) {
    throw InitializationError(std::string("eryx: ") + kPoolSlotsVariable + "='" + text +
                              "' is not a number from 0 to " +
                              std::to_string(engine::kMaxPoolSlots));
  }
  return slots;
}

engine::GuestFiles load_files(const RuntimeOptions& options) {
  auto files = engine::load_guest_files(options.guest_dir);
  if (options.require_snapshot) engine::check_snapshot_files(options.guest_dir);
  files.require_snapshot = options.require_snapshot;
  return files;
}

}  // namespace

RuntimeCore::RuntimeCore(const RuntimeOptions& options)
    : pool_slots_(pool_slots_from_environment()), files_(load_files(options)) {
  plain_ = std::make_unique<engine::EngineVariant>(files_, /*metered=*/false, pool_slots_);
}

RuntimeCore::~RuntimeCore() = default;

const engine::EngineVariant& RuntimeCore::variant_for(const ResourceLimits& limits) const {
  if (!limits.max_fuel) return *plain_;
  std::lock_guard lock(metered_mutex_);
  if (!metered_) {
    metered_ = std::make_unique<engine::EngineVariant>(files_, /*metered=*/true, pool_slots_);
  }
  return *metered_;
}

ExecuteResult RuntimeCore::execute_fresh(std::string_view code, const SandboxOptions& options,
                                         const CancellationToken::State* stop,
                                         const snapshot::FactoryImage* factory,
                                         std::shared_ptr<const net::SandboxNetwork> network,
                                         std::shared_ptr<const secrets::SandboxSecrets> secrets,
                                         const std::vector<wasi::MountPoint>& mounts,
                                         const packages::PackageSet* packages,
                                         std::string_view filename) const {
  const auto& variant = variant_for(options.limits);
  auto image = engine::image_for_code(code, !options.callbacks.shared_data()->entries.empty());
  auto instance = variant.fresh_instance({.max_memory_bytes = options.limits.max_memory_bytes},
                                         factory, packages, image);
  engine::add_mounts(*instance, mounts);
  return engine::run_execution(*instance, code, options,
                               {.ticker = variant.ticker(),
                                .metered = variant.metered(),
                                .stop = stop,
                                // The images hold `random`, seeded at build time.
                                .reseed = true,
                                .network = std::move(network),
                                .secrets = std::move(secrets),
                                .activate_packages = packages != nullptr,
                                .filename = filename});
}

const std::string& RuntimeCore::factory_fingerprint() const {
  std::call_once(fingerprint_once_, [this] {
    // The snapshot module's bytes define the interpreter state pages are captured against. Without
    // a snapshot the state comes from this process's own start-up, which no other process shares.
    std::string identity;
    if (plain_->from_snapshot()) {
      std::ifstream in(files_.dir / engine::kSnapshotIdName);
      identity.assign(std::istreambuf_iterator<char>(in), {});
      if (identity.empty()) throw InitializationError("eryx: cannot read eryx-snapshot.id");
    } else {
      identity = "process " + std::to_string(reinterpret_cast<uintptr_t>(this)) + " " +
                 std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    fingerprint_ = "eryx-0.1/" + util::sha256_hex({identity, "\n", files_.stdlib_zip()});
  });
  return fingerprint_;
}

}  // namespace eryx::detail
