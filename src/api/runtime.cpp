#include "eryx/runtime.hpp"

#include <cstdlib>
#include <mutex>

#include "engine/runtime_core.h"
#include "eryx/errors.hpp"

namespace eryx {

Runtime::Runtime(std::unique_ptr<detail::RuntimeCore> core) : core_(std::move(core)) {}
Runtime::~Runtime() = default;

std::shared_ptr<Runtime> Runtime::create(RuntimeOptions options) {
  return std::shared_ptr<Runtime>(new Runtime(std::make_unique<detail::RuntimeCore>(options)));
}

std::shared_ptr<Runtime> Runtime::shared() {
  // Created on first use and kept for the life of the process; a failure is retried next call.
  static std::mutex mutex;
  static std::shared_ptr<Runtime> runtime;
  std::lock_guard lock(mutex);
  if (!runtime) {
    RuntimeOptions options;
    const char* dir = std::getenv("ERYX_GUEST_DIR");
    options.guest_dir = dir != nullptr && *dir != '\0' ? dir : ERYX_DEFAULT_GUEST_DIR;
    runtime = create(std::move(options));
  }
  return runtime;
}

}  // namespace eryx
