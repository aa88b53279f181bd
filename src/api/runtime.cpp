#include "eryx/runtime.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <system_error>

#include "engine/runtime_core.h"
#include "eryx/errors.hpp"

namespace eryx {

namespace {

// The installed liberyx.so finds the guest relative to itself (ERYX_GUEST_DIR_FROM_LIBRARY, e.g.
// ../share/eryx/guest), so an installed tree can be moved as a whole.
std::filesystem::path guest_dir_beside_library() {
#ifdef ERYX_GUEST_DIR_FROM_LIBRARY
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&guest_dir_beside_library), &info) == 0 ||
      info.dli_fname == nullptr) {
    return {};
  }
  std::error_code ec;
  auto library = std::filesystem::canonical(info.dli_fname, ec);
  if (ec) return {};
  return (library.parent_path() / ERYX_GUEST_DIR_FROM_LIBRARY).lexically_normal();
#else
  return {};
#endif
}

// RuntimeOptions::guest_dir when set; else ERYX_GUEST_DIR; else beside the installed library;
// else (the build tree's own programs) the build tree's guest.
std::filesystem::path find_guest_dir() {
  const char* variable = std::getenv("ERYX_GUEST_DIR");
  if (variable != nullptr && *variable != '\0') return variable;
  auto beside = guest_dir_beside_library();
  std::error_code ec;
  if (!beside.empty() && std::filesystem::is_directory(beside, ec)) return beside;
#ifdef ERYX_BUILD_TREE_GUEST_DIR
  return ERYX_BUILD_TREE_GUEST_DIR;
#else
  throw InitializationError(
      "eryx: no guest directory" +
      (beside.empty() ? std::string() : " at " + beside.string() + " (beside liberyx)") +
      ": set RuntimeOptions::guest_dir or the ERYX_GUEST_DIR environment variable");
#endif
}

}  // namespace

Runtime::Runtime(std::unique_ptr<detail::RuntimeCore> core) : core_(std::move(core)) {}
Runtime::~Runtime() = default;

std::shared_ptr<Runtime> Runtime::create(RuntimeOptions options) {
  if (options.guest_dir.empty()) options.guest_dir = find_guest_dir();
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

}  // namespace

std::shared_ptr<Runtime> Runtime::shared() {
  auto& shared = shared_runtime();
  std::lock_guard lock(shared.mutex);
  if (!shared.runtime) shared.runtime = create(shared.options.value_or(RuntimeOptions{}));
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
