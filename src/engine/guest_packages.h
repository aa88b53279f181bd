// Where a Sandbox's or Session's packages (packages/package_set.h) appear in the guest: read-only
// image files under kSandboxPackagesDir (bytes shared with the set, never copied), a directory put
// first on sys.path before the user's code runs. A factory's own packages live elsewhere
// (api/factory.cpp), so a factory's sandbox can add packages of its own.
#pragma once

#include <string_view>

#include "engine/guest_instance.h"
#include "packages/package_set.h"
#include "vfs/vfs.h"

namespace eryx::engine {

inline constexpr std::string_view kSandboxPackagesDir = "/usr/local/lib/python3.13/site-packages";

// Adds the set's files to `vfs` (read-only directories). Throws Error when one cannot be placed.
void place_packages(vfs::Vfs& vfs, const packages::PackageSet& set);

// Puts kSandboxPackagesDir first on the guest's sys.path. A guest call: run it inside
// run_guest_call. Throws Error when the guest fails to.
void activate_packages(GuestInstance& instance);

}  // namespace eryx::engine
