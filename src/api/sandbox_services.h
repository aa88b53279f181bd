// What a sandbox's options become once validated: the network (policy, TLS trust, resolver), the
// secrets (placeholders, scrubber, request rewriting) and the packages (read and checked files). Made once per Sandbox or Session and
// shared by all its executions; a fork shares its parent's, so placeholders the child's variables
// hold keep working.
#pragma once

#include <memory>

#include "eryx/options.hpp"
#include "net/sandbox_network.h"
#include "packages/package_set.h"
#include "secrets/sandbox_secrets.h"

namespace eryx::detail {

struct SandboxServices {
  std::shared_ptr<const net::SandboxNetwork> network;      // null: no network
  std::shared_ptr<const secrets::SandboxSecrets> secrets;  // null: no secrets
  std::shared_ptr<const packages::PackageSet> packages;    // null: no packages of its own

  // Throws InvalidArgumentError for an invalid NetConfig, secret or package (InitializationError
  // for an unreadable package).
  static std::shared_ptr<const SandboxServices> compile(const SandboxOptions& options);
};

}  // namespace eryx::detail
