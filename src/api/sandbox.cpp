#include "eryx/sandbox.hpp"

#include "api/code_validation.h"
#include "api/factory_data.h"
#include "api/flavours.h"
#include "api/mounts.h"
#include "api/sandbox_services.h"
#include "engine/runtime_core.h"

namespace eryx {

Sandbox::Sandbox(SandboxOptions options, std::shared_ptr<Runtime> runtime)
    : Sandbox(std::move(options), std::move(runtime), nullptr) {}

Sandbox::Sandbox(SandboxOptions options, std::shared_ptr<Runtime> runtime,
                 std::shared_ptr<const detail::FactoryData> factory)
    : options_(std::make_shared<const SandboxOptions>(std::move(options))),
      runtime_(detail::runtime_for(options_->guest, std::move(runtime))),
      factory_(std::move(factory)) {
  detail::validate_result_variable(options_->result_variable);
  detail::validate_limits(options_->limits);
  // A bad mount path or volume fails here, not at the first execute.
  mounts_ = std::make_shared<const std::vector<wasi::MountPoint>>(detail::mounts_of(*options_));
  // Compiled once: the policy, the TLS trust, the secrets' placeholders and the packages serve
  // every execution of this sandbox.
  services_ = detail::SandboxServices::compile(*options_);
}

ExecuteResult Sandbox::execute(std::string_view code, const CancellationToken& cancel) const {
  return execute(code, ExecuteOptions{}, cancel);
}

ExecuteResult Sandbox::execute(std::string_view code, const ExecuteOptions& execute_options,
                               const CancellationToken& cancel) const {
  detail::validate_code(code);
  detail::validate_name(execute_options.filename, "filename");
  return runtime_->core().execute_fresh(
      code, *options_, cancel.state(), factory_ ? &factory_->image : nullptr, services_->network,
      services_->secrets, *mounts_, services_->packages.get(), execute_options.filename);
}

}  // namespace eryx
