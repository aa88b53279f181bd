// Which runtime a Sandbox, Session or SandboxFactory uses (SandboxOptions::guest,
// FactoryOptions::guest: guest flavours, docs/guide/packages.md).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eryx/runtime.hpp"

namespace eryx::detail {

// `runtime` when given (InvalidArgumentError when `guest` names another flavour), else the
// shared runtime of `guest`.
std::shared_ptr<Runtime> runtime_for(const std::string& guest, std::shared_ptr<Runtime> runtime);

// The built flavour whose packages.txt names the top-level package of one of `imports` (in the
// guest directory the shared runtimes use); empty when none does.
std::string flavour_providing(const std::vector<std::string>& imports);

}  // namespace eryx::detail
