#include "engine/runtime_core.h"

#include <fstream>
#include <iterator>

#include "engine/execution.h"
#include "eryx/errors.hpp"

namespace eryx::detail {
namespace {

std::shared_ptr<const std::string> read_shared(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InitializationError("eryx: cannot read " + path.string());
  return std::make_shared<const std::string>(std::istreambuf_iterator<char>(in),
                                             std::istreambuf_iterator<char>());
}

// The stdlib zip is named after the guest's Python version (python313.zip); the glue looks for it
// under /usr/local/lib.
std::filesystem::path find_stdlib_zip(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with("python3") && name.ends_with(".zip")) return entry.path();
  }
  throw InitializationError("eryx: no python3*.zip stdlib in " + dir.string() +
                            " (build the guest with `make build`, or set ERYX_GUEST_DIR)");
}

}  // namespace

RuntimeCore::RuntimeCore(const RuntimeOptions& options) {
  auto zip = find_stdlib_zip(options.guest_dir);
  files_ = {options.guest_dir, zip.filename().string(), read_shared(zip)};
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
