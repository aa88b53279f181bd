// A Sandbox runs Python code in isolation. Every execute() starts from a fresh interpreter: nothing
// carries over between executions. A Sandbox is cheap to copy (copies share the configuration) and
// execute() may be called from several threads at once.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "eryx/cancellation.hpp"
#include "eryx/options.hpp"
#include "eryx/result.hpp"
#include "eryx/runtime.hpp"

namespace eryx {

namespace detail {
struct FactoryData;
struct SandboxServices;
}  // namespace detail
namespace wasi {
struct MountPoint;
}

class Sandbox {
 public:
  // Uses Runtime::shared() when runtime is null. Throws InitializationError, or
  // InvalidArgumentError for a bad package (options.packages, options.site_packages).
  explicit Sandbox(SandboxOptions options = {}, std::shared_ptr<Runtime> runtime = nullptr);

  // Runs `code` (UTF-8 Python source). Returns the captured output and statistics, or throws:
  // ExecutionError (the code raised), TimeoutError, ResourceLimitError, InvalidArgumentError (code
  // with a NUL byte or invalid UTF-8), CancelledError (`cancel` was cancelled), Error (anything
  // else).
  ExecuteResult execute(std::string_view code, const CancellationToken& cancel = {}) const;
  // The same with per-execution options (e.g. the filename tracebacks show).
  ExecuteResult execute(std::string_view code, const ExecuteOptions& execute_options,
                        const CancellationToken& cancel = {}) const;

  const SandboxOptions& options() const { return *options_; }

 private:
  friend class SandboxFactory;
  Sandbox(SandboxOptions options, std::shared_ptr<Runtime> runtime,
          std::shared_ptr<const detail::FactoryData> factory);

  std::shared_ptr<const SandboxOptions> options_;
  std::shared_ptr<Runtime> runtime_;
  std::shared_ptr<const detail::FactoryData> factory_;  // null: the runtime's fresh interpreter
  std::shared_ptr<const detail::SandboxServices> services_;  // network, secrets
  // Opened once, so a volume's quota spans every execution of this sandbox.
  std::shared_ptr<const std::vector<wasi::MountPoint>> mounts_;
};

}  // namespace eryx
