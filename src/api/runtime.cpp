#include "eryx/runtime.hpp"

#include <cstdlib>
#include <mutex>
#include <optional>

#include "engine/runtime_core.h"
#include "eryx/errors.hpp"

namespace eryx {

Runtime::Runtime(std::unique_ptr<detail::RuntimeCore> core) : core_(std::move(core)) {}
Runtime::~Runtime() = default;

std::shared_ptr<Runtime> Runtime::create(RuntimeOptions options) {
  return std::shared_ptr<Runtime>(new Runtime(std::make_unique<detail::RuntimeCore>(options)));
}

namespace {

// The process-wide default runtime: created on first use and kept for the life of the process; a
// failed creation is retried on the next call.
struct SharedRuntime {
  std::mutex mutex;
  std::shared_ptr<Runtime> runtime;
  std::optional<RuntimeOptions> options;
};

SharedRuntime& shared_runtime() {
  static SharedRuntime instance;
  return instance;
}

RuntimeOptions default_options() {
  RuntimeOptions options;
  const char* dir = std::getenv("ERYX_GUEST_DIR");
  options.guest_dir = dir != nullptr && *dir != '\0' ? dir : ERYX_DEFAULT_GUEST_DIR;
  return options;
}

}  // namespace

std::shared_ptr<Runtime> Runtime::shared() {
  auto& shared = shared_runtime();
  std::lock_guard lock(shared.mutex);
  if (!shared.runtime) shared.runtime = create(shared.options.value_or(default_options()));
  return shared.runtime;
}

bool Runtime::configure_shared(RuntimeOptions options) {
  auto& shared = shared_runtime();
  std::lock_guard lock(shared.mutex);
  if (shared.runtime) return false;
  shared.options = std::move(options);
  return true;
}

}  // namespace eryx
