// The engine-side view of an eryx::VfsStorage: the mount sessions add to their WASI context.
#pragma once

#include <memory>

#include "eryx/vfs_storage.hpp"
#include "vfs/tree_mount.h"

namespace eryx::detail {

struct VfsStorageAccess {
  // The storage's tree as a locked TreeMount (every operation holds the storage's mutex).
  static std::shared_ptr<vfs::TreeMount> mount(const VfsStorage& storage);
};

}  // namespace eryx::detail
