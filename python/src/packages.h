// The packages= and site_packages= keywords of Sandbox, Session and create_sandbox.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "eryx/options.hpp"

namespace eryx::python {

inline void set_packages(SandboxOptions& options,
                         std::optional<std::vector<std::filesystem::path>> packages,
                         std::optional<std::filesystem::path> site_packages) {
  if (packages) options.packages = std::move(*packages);
  options.site_packages = std::move(site_packages);
}

}  // namespace eryx::python
