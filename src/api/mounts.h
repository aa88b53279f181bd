// The filesystems a sandbox mounts besides its private tree, from its options.
#pragma once

#include <vector>

#include "eryx/options.hpp"
#include "wasi/options.h"

namespace eryx::detail {

// The shared storage of `options` at vfs_mount_path, then its host volumes (api/volumes.h), each
// opened now: callers keep the result, as a volume's quota belongs to one opening.
// InvalidArgumentError for a mount path that is not absolute and canonical, is "/" or lies in
// /tmp, and for a bad volume.
std::vector<wasi::MountPoint> mounts_of(const SandboxOptions& options);

}  // namespace eryx::detail
