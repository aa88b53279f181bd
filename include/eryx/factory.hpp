// A SandboxFactory pre-initialises an interpreter once (imports, packages) and then creates
// sandboxes that start from that state. Creating a sandbox from a factory costs about as much as a
// plain one; the imports are not paid again. Factories can be saved and loaded: the file format is
// versioned, checksummed and tied to the runtime (guest) it was built for, so a corrupt, truncated
// or foreign file raises a clean error.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eryx/cancellation.hpp"
#include "eryx/options.hpp"
#include "eryx/pool.hpp"
#include "eryx/runtime.hpp"
#include "eryx/sandbox.hpp"
#include "eryx/session.hpp"

namespace eryx {

namespace detail {
struct FactoryData;
}

struct FactoryOptions {
  // Pure-Python packages importable in the sandboxes: wheels (.whl), .tar.gz/.tgz archives (a
  // site-packages tree inside) and directories, as SandboxOptions::packages (checked the same
  // way; docs/guide/packages.md), served read-only from /usr/local/lib/eryx-site-packages.
  std::vector<std::filesystem::path> packages = {};
  // Modules imported once, at factory build time.
  std::vector<std::string> imports = {};
  // Python run once after the imports, in __main__: the objects it makes (say a template
  // environment) are in every sandbox's globals from the start, each sandbox with its own copy.
  // Empty: none. A failure raises InitializationError with the traceback.
  std::string setup_code = {};
  // A host directory of pure-Python packages, read into the sandbox's read-only filesystem.
  std::optional<std::filesystem::path> site_packages = {};
  // Time all guest code of the build (the imports) may take; TimeoutError past it. nullopt: no
  // limit (then only `cancel` stops an import that never returns).
  std::optional<uint64_t> build_timeout_ms = 60'000;
  // cancel() or interrupt() from another thread stops the build (CancelledError).
  CancellationToken cancel = {};
  // The guest flavour (SandboxOptions::guest) when no runtime is given. Empty: the flavour that
  // provides a package named in `imports` (e.g. "numpy" for imports = {"numpy"}), if one was
  // built, else the plain guest.
  std::string guest = {};
};

class SandboxFactory {
 public:
  // Throws InitializationError (imports failed, unreadable package), InvalidArgumentError (a bad
  // package or import name), or
  // TimeoutError / CancelledError (see build_timeout_ms, cancel).
  explicit SandboxFactory(FactoryOptions options = {}, std::shared_ptr<Runtime> runtime = nullptr);
  ~SandboxFactory();
  SandboxFactory(const SandboxFactory&);
  SandboxFactory& operator=(const SandboxFactory&);

  // A Sandbox whose every execution starts from the factory's state.
  Sandbox create_sandbox(SandboxOptions options = {}) const;

  // A Session whose interpreter starts from the factory's state, and starts from it again after
  // reset() or a hard stop. Throws as the Session constructor.
  Session create_session(SandboxOptions options = {}) const;

  // A pool leasing this factory's sandboxes to many threads (eryx/pool.hpp,
  // docs/guide/pools.md). Throws InvalidArgumentError for bad options.
  SandboxPool create_pool(PoolOptions options = {}) const;

  // Bytes of state the factory holds (memory pages and package files).
  size_t size_bytes() const;

  std::string to_bytes() const;
  void save(const std::filesystem::path& path) const;
  // Throw Error for data that is not a factory of this runtime (corrupt, truncated, foreign);
  // load() throws InvalidArgumentError for a directory.
  static SandboxFactory from_bytes(std::string_view data,
                                   std::shared_ptr<Runtime> runtime = nullptr);
  static SandboxFactory load(const std::filesystem::path& path,
                             std::shared_ptr<Runtime> runtime = nullptr);

 private:
  SandboxFactory(std::shared_ptr<const detail::FactoryData> data, std::shared_ptr<Runtime> runtime);
  std::shared_ptr<const detail::FactoryData> data_;
  std::shared_ptr<Runtime> runtime_;
};

}  // namespace eryx
