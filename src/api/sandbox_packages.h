// The packages of SandboxOptions, read once per Sandbox / Session (packages/package_set.h).
#pragma once

#include <memory>

#include "eryx/options.hpp"
#include "packages/package_set.h"

namespace eryx::detail {

// Null when the options name no packages. Throws InvalidArgumentError / InitializationError.
inline std::shared_ptr<const packages::PackageSet> load_sandbox_packages(
    const SandboxOptions& options) {
  if (options.packages.empty() && !options.site_packages) return nullptr;
  return packages::load_package_set(options.packages, options.site_packages);
}

}  // namespace eryx::detail
