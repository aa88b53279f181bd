#include "api/mounts.h"

#include <string>

#include "storage/vfs_storage_access.h"
#include "api/volumes.h"
#include "eryx/errors.hpp"
#include "vfs/path.h"

namespace eryx::detail {
namespace {

void check_mount_path(const std::string& path, const char* option) {
  auto parsed = vfs::parse_path(path);
  bool ok = parsed.ok() && parsed->absolute && !parsed->trailing_slash &&
            !parsed->components.empty() && path.find("//") == std::string::npos;
  if (ok) {
    for (auto name : parsed->components) ok = ok && name != "." && name != "..";
  }
  if (!ok) {
    throw InvalidArgumentError(std::string("eryx: ") + option + " must be an absolute path like " +
                               "/data (no '.', '..', '//' or trailing '/', not '/'), not '" + path +
                               "'");
  }
  // The private tree's writable /tmp belongs to the guest (and to session snapshots).
  if (parsed->components.front() == "tmp") {
    throw InvalidArgumentError(std::string("eryx: ") + option +
                               " cannot be in /tmp, which is the sandbox's own: '" + path + "'");
  }
}

}  // namespace

std::vector<wasi::MountPoint> mounts_of(const SandboxOptions& options) {
  std::vector<wasi::MountPoint> mounts;
  if (options.vfs) {
    check_mount_path(options.vfs_mount_path, "vfs_mount_path");
    mounts.push_back({options.vfs_mount_path, VfsStorageAccess::mount(*options.vfs)});
  }
  for (auto& volume : open_volumes(options.volumes)) {
    if (options.vfs && volume.guest_path == options.vfs_mount_path) {
      throw InvalidArgumentError("eryx: a volume at '" + volume.guest_path +
                                 "', where the VfsStorage is mounted (vfs_mount_path)");
    }
    mounts.push_back({std::move(volume.guest_path), std::move(volume.mount)});
  }
  return mounts;
}

}  // namespace eryx::detail
