#include "eryx/sandbox.hpp"

#include "api/code_validation.h"
#include "api/factory_data.h"
#include "api/sandbox_packages.h"
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
  // Compiled once: the policy and the TLS trust serve every execution of this sandbox.
  if (options_->network) network_ = net::SandboxNetwork::make(*options_->network);
  packages_ = detail::load_sandbox_packages(*options_);
}

ExecuteResult Sandbox::execute(std::string_view code, const CancellationToken& cancel) const {
  detail::validate_code(code);
  return runtime_->core().execute_fresh(code, *options_, cancel.state(),
                                        factory_ ? &factory_->image : nullptr, network_,
                                        packages_.get());
}

}  // namespace eryx
