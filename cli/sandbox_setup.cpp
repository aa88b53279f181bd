#include "sandbox_setup.h"

#include <utility>

namespace eryx::cli {
namespace {

// An API message without its "eryx: " prefix, to follow the flag's name.
std::string detail(const std::exception& e) {
  std::string_view text = e.what();
  if (text.starts_with("eryx: ")) text.remove_prefix(6);
  return std::string(text);
}

}  // namespace

SandboxSetup::SandboxSetup(SandboxOptions options, std::vector<std::string> imports,
                           std::optional<std::filesystem::path> factory_file)
    : options_(std::move(options)),
      imports_(std::move(imports)),
      factory_file_(std::move(factory_file)) {
  if (factory_file_) {
    try {
      factory_.emplace(SandboxFactory::load(*factory_file_));
    } catch (const InvalidArgumentError& e) {
      throw InvalidArgumentError("eryx: --factory " + factory_file_->string() + ": " + detail(e));
    } catch (const Error& e) {
      throw Error("eryx: --factory " + factory_file_->string() + ": " + detail(e));
    }
    // A loaded factory cannot take more imports: they belong in the factory the user saves.
    if (!imports_.empty()) {
      throw InvalidArgumentError("eryx: --import cannot be combined with --factory");
    }
  } else if (!imports_.empty()) {
    // The packages go into the factory, so the imports can use them; sandboxes then get them
    // from the factory, not again from options_.
    FactoryOptions factory_options{.packages = std::move(options_.packages),
                                   .imports = imports_,
                                   .site_packages = std::move(options_.site_packages)};
    options_.packages.clear();
    options_.site_packages.reset();
    try {
      factory_.emplace(std::move(factory_options));
    } catch (const InvalidArgumentError& e) {
      throw InvalidArgumentError(std::string("eryx: --import: ") + detail(e));
    } catch (const InitializationError& e) {
      throw InitializationError(std::string("eryx: --import: ") + detail(e));
    }
  }
}

SandboxOptions SandboxSetup::with_sinks(const OutputSinks& sinks) const {
  SandboxOptions options = options_;
  if (sinks.on_stdout) options.on_stdout = sinks.on_stdout;
  if (sinks.on_stderr) options.on_stderr = sinks.on_stderr;
  return options;
}

Sandbox SandboxSetup::make_sandbox(const OutputSinks& sinks) const {
  if (factory_) return factory_->create_sandbox(with_sinks(sinks));
  return Sandbox(with_sinks(sinks));
}

Session SandboxSetup::make_session(const OutputSinks& sinks,
                                   std::optional<std::string> result_variable) const {
  SandboxOptions options = with_sinks(sinks);
  if (result_variable) options.result_variable = std::move(*result_variable);
  if (factory_) return factory_->create_session(std::move(options));
  return Session(std::move(options));
}

}  // namespace eryx::cli
