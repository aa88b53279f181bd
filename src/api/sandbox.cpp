#include "eryx/sandbox.hpp"

#include "api/code_validation.h"
#include "engine/runtime_core.h"

namespace eryx {

Sandbox::Sandbox(SandboxOptions options, std::shared_ptr<Runtime> runtime)
    : options_(std::make_shared<const SandboxOptions>(std::move(options))),
      runtime_(runtime ? std::move(runtime) : Runtime::shared()) {
  detail::validate_name(options_->result_variable, "result_variable");
}

ExecuteResult Sandbox::execute(std::string_view code, const CancellationToken& cancel) const {
  detail::validate_code(code);
  return runtime_->core().execute_fresh(code, *options_, cancel.flag());
}

}  // namespace eryx
