#include "eryx/runtime.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>

#include "api/flavours.h"
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

bool is_flavour_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Runtime::Runtime(std::unique_ptr<detail::RuntimeCore> core, std::string flavour)
    : core_(std::move(core)), flavour_(std::move(flavour)) {}
Runtime::~Runtime() = default;

std::shared_ptr<Runtime> Runtime::create(RuntimeOptions options) {
  if (!options.flavour.empty() && !is_flavour_name(options.flavour)) {
    throw InvalidArgumentError("eryx: '" + options.flavour +
                               "' is not a guest flavour name (letters, digits and '_')");
  }
  if (options.guest_dir.empty()) options.guest_dir = find_guest_dir();
  if (!options.flavour.empty()) {
    // A flavour is a complete guest directory of its own, beside the plain guest's files.
    auto dir = options.guest_dir / options.flavour;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      throw InitializationError("eryx: the guest flavour '" + options.flavour + "' is not built: " +
                                dir.string() + " does not exist (docs/guide/packages.md)");
    }
    options.guest_dir = dir;
  }
  auto core = std::make_unique<detail::RuntimeCore>(options);
  return std::shared_ptr<Runtime>(new Runtime(std::move(core), options.flavour));
}

namespace {

// The process-wide default runtime: created on first use and kept for the life of the process; a
// failed creation is retried on the next call.
struct SharedRuntime {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<Runtime>, std::less<>> runtimes;  // by flavour
  std::optional<RuntimeOptions> options;
};

SharedRuntime& shared_runtime() {
  static SharedRuntime instance;
  return instance;
}

}  // namespace

std::shared_ptr<Runtime> Runtime::shared() { return shared(""); }

std::shared_ptr<Runtime> Runtime::shared(std::string_view flavour) {
  auto& shared = shared_runtime();
  std::lock_guard lock(shared.mutex);
  auto found = shared.runtimes.find(flavour);
  if (found != shared.runtimes.end()) return found->second;
  auto options = shared.options.value_or(RuntimeOptions{});
  options.flavour = std::string(flavour);
  auto runtime = create(std::move(options));
  shared.runtimes.emplace(std::string(flavour), runtime);
  return runtime;
}

bool Runtime::configure_shared(RuntimeOptions options) {
  auto& shared = shared_runtime();
  std::lock_guard lock(shared.mutex);
  if (!shared.runtimes.empty()) return false;
  shared.options = std::move(options);
  return true;
}

namespace detail {

std::shared_ptr<Runtime> runtime_for(const std::string& guest, std::shared_ptr<Runtime> runtime) {
  if (!runtime) return Runtime::shared(guest);
  if (!guest.empty() && guest != runtime->flavour()) {
    throw InvalidArgumentError(
        "eryx: the guest flavour '" + guest + "' was asked for, but the given runtime runs " +
        (runtime->flavour().empty() ? std::string("the plain guest")
                                    : "the flavour '" + runtime->flavour() + "'"));
  }
  return runtime;
}

std::string flavour_providing(const std::vector<std::string>& imports) {
  std::filesystem::path base;
  {
    auto& shared = shared_runtime();
    std::lock_guard lock(shared.mutex);
    if (shared.options) base = shared.options->guest_dir;
  }
  if (base.empty()) base = find_guest_dir();
  // Each flavour lists the top-level packages it adds (packages.txt, cmake/GuestFlavour.cmake).
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
    std::ifstream in(entry.path() / "packages.txt");
    std::string package;
    while (in >> package) {
      for (const auto& name : imports) {
        if (name.substr(0, name.find('.')) == package) return entry.path().filename().string();
      }
    }
  }
  return {};
}

}  // namespace detail

}  // namespace eryx
