#include "sandbox_setup.h"

namespace eryx::cli {

SandboxSetup::SandboxSetup(SandboxOptions options, std::vector<std::string> imports,
                           std::optional<std::filesystem::path> factory_file)
    : options_(std::move(options)),
      imports_(std::move(imports)),
      factory_file_(std::move(factory_file)) {}

SandboxOptions SandboxSetup::with_sinks(const OutputSinks& sinks) const {
  SandboxOptions options = options_;
  if (sinks.on_stdout) options.on_stdout = sinks.on_stdout;
  if (sinks.on_stderr) options.on_stderr = sinks.on_stderr;
  return options;
}

// Imports and factory files are not wired yet (the flags' owner adds the factory path).
Sandbox SandboxSetup::make_sandbox(const OutputSinks& sinks) const {
  return Sandbox(with_sinks(sinks));
}

Session SandboxSetup::make_session(const OutputSinks& sinks,
                                   std::optional<std::string> result_variable) const {
  SandboxOptions options = with_sinks(sinks);
  if (result_variable) options.result_variable = std::move(*result_variable);
  return Session(std::move(options));
}

}  // namespace eryx::cli
