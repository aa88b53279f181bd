#include "eryx/sandbox.hpp"

#include "api/code_validation.h"
#include "api/factory_data.h"
#include "api/mounts.h"
#include "engine/runtime_core.h"
#include "net/sandbox_network.h"

namespace eryx {

Sandbox::Sandbox(SandboxOptions options, std::shared_ptr<Runtime> runtime)
    : Sandbox(std::move(options), std::move(runtime), nullptr) {}

Sandbox::Sandbox(SandboxOptions options, std::shared_ptr<Runtime> runtime,
                 std::shared_ptr<const detail::FactoryData> factory)
    : options_(std::make_shared<const SandboxOptions>(std::move(options))),
      runtime_(runtime ? std::move(runtime) : Runtime::shared()),
      factory_(std::move(factory)) {
  detail::validate_name(options_->result_variable, "result_variable");
  // A bad mount path or volume fails here, not at the first execute.
  mounts_ = std::make_shared<const std::vector<wasi::MountPoint>>(detail::mounts_of(*options_));
  // Compiled once: the policy and the TLS trust serve every execution of this sandbox.
  if (options_->network) network_ = net::SandboxNetwork::make(*options_->network);
}

ExecuteResult Sandbox::execute(std::string_view code, const CancellationToken& cancel) const {
  detail::validate_code(code);
  return runtime_->core().execute_fresh(code, *options_, cancel.state(),
                                        factory_ ? &factory_->image : nullptr, network_, *mounts_);
}

}  // namespace eryx
