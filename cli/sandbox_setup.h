// The sandbox flags every mode shares (a one-shot run, the REPL, `eryx serve`), turned into the
// objects that make sandboxes. Built once per process from the parsed flags.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eryx/eryx.hpp"

namespace eryx::cli {

// Where a sandbox's output goes, streamed as the guest writes it. Empty: kept in the result only.
struct OutputSinks {
  std::function<void(std::string_view)> on_stdout;
  std::function<void(std::string_view)> on_stderr;
};

class SandboxSetup {
 public:
  // `options` holds what the flags set (limits, network, secrets, volumes, packages, callbacks);
  // `imports` (--import) and `factory_file` (--factory) make sandboxes start from a factory, built
  // (with the imports and options.packages) or loaded here, once. Throws InvalidArgumentError (a
  // bad import name or package), InitializationError (an import failed), Error (a factory file
  // that is corrupt or of another eryx build); messages name the flag.
  explicit SandboxSetup(SandboxOptions options, std::vector<std::string> imports = {},
                        std::optional<std::filesystem::path> factory_file = {});

  // A fresh sandbox / session with the flags' options plus `sinks`. Throws eryx errors.
  // `result_variable` replaces the options' one; "" captures no result (the REPL: each execution
  // consumes the variable it reports, and a REPL user's `result` must stay a plain variable).
  Sandbox make_sandbox(const OutputSinks& sinks = {}) const;
  Session make_session(const OutputSinks& sinks = {},
                       std::optional<std::string> result_variable = std::nullopt) const;

  const SandboxOptions& options() const { return options_; }

  // --mcp-config files (loaded by the MCP client, src/mcp/client).
  const std::vector<std::filesystem::path>& mcp_configs() const { return mcp_configs_; }
  void set_mcp_configs(std::vector<std::filesystem::path> paths) {
    mcp_configs_ = std::move(paths);
  }

 private:
  SandboxOptions with_sinks(const OutputSinks& sinks) const;

  SandboxOptions options_;
  std::vector<std::string> imports_;
  std::optional<std::filesystem::path> factory_file_;
  std::optional<SandboxFactory> factory_;  // from imports_ or factory_file_
  std::vector<std::filesystem::path> mcp_configs_;
};

}  // namespace eryx::cli
