#include "engine/runtime_core.h"

#include "engine/execution.h"
#include "eryx/errors.hpp"

namespace eryx::detail {

RuntimeCore::RuntimeCore(const RuntimeOptions& options) {
  files_ = engine::load_guest_files(options.guest_dir);
  plain_ = std::make_unique<engine::EngineVariant>(files_, /*metered=*/false);
}

RuntimeCore::~RuntimeCore() = default;

const engine::EngineVariant& RuntimeCore::variant_for(const ResourceLimits& limits) const {
  if (!limits.max_fuel) return *plain_;
  std::lock_guard lock(metered_mutex_);
  if (!metered_) metered_ = std::make_unique<engine::EngineVariant>(files_, /*metered=*/true);
  return *metered_;
}

ExecuteResult RuntimeCore::execute_fresh(std::string_view code, const SandboxOptions& options,
                                         const std::atomic<bool>* cancel) const {
  const auto& variant = variant_for(options.limits);
  auto instance = variant.fresh_instance({.max_memory_bytes = options.limits.max_memory_bytes});
  return engine::run_execution(*instance, code, options,
                               {.ticker = variant.ticker(), .metered = variant.metered(),
                                .cancel = cancel});
}

}  // namespace eryx::detail
