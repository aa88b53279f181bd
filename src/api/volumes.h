// Host volumes of a sandbox's options, opened and checked once when the sandbox is made.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eryx/volume.hpp"
#include "vfs/mount.h"

namespace eryx::detail {

struct OpenedVolume {
  std::string guest_path;
  vfs::MountPtr mount;
};

// Opens every volume (volumes/volume_mount.h). InvalidArgumentError naming the volume for a host
// path that does not exist or is neither a directory nor a regular file, and for a guest path that
// is not absolute and canonical ("/data": no '.', '..', '//', trailing '/', NUL, invalid UTF-8),
// is "/", lies in /tmp (the sandbox's own), or is used twice.
std::vector<OpenedVolume> open_volumes(const std::vector<Volume>& volumes);

}  // namespace eryx::detail
