#include "eryx/vfs_storage.hpp"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "storage/vfs_storage_access.h"
#include "snapshot/image_envelope.h"
#include "vfs/byte_codec.h"
#include "vfs/tree_codec.h"

namespace eryx {
namespace {

// The storage image: the tree codec's encoding of the whole tree (its root is writable, so the
// root is the one "mount" it walks) in the envelope of the other eryx images. The fingerprint is
// the codec's name: a storage image does not depend on the runtime or guest.
constexpr snapshot::ImageKind kStorageKind{
    .magic = "ERYXVFS1", .version = 1, .name = "VfsStorage snapshot"};
constexpr std::string_view kStorageFingerprint = "vfs-tree";
constexpr uint64_t kMaxEntries = 65536;

int posix_errno(vfs::Status status) {
  switch (status) {
    case vfs::Status::kNotFound:
      return ENOENT;
    case vfs::Status::kExists:
      return EEXIST;
    case vfs::Status::kNotDirectory:
      return ENOTDIR;
    case vfs::Status::kIsDirectory:
      return EISDIR;
    case vfs::Status::kNotEmpty:
      return ENOTEMPTY;
    case vfs::Status::kNoSpace:
      return ENOSPC;
    case vfs::Status::kNameTooLong:
      return ENAMETOOLONG;
    case vfs::Status::kLoop:
      return ELOOP;
    case vfs::Status::kReadOnly:
      return EROFS;
    default:
      return EINVAL;
  }
}

[[noreturn]] void fail(vfs::Status status, const std::string& path) {
  throw VfsError(posix_errno(status),
                 "eryx: VfsStorage: " + path + ": " + std::string(vfs::to_string(status)), path);
}

// The canonical absolute storage path of `path` ("/" for the root). Relative paths start at the
// root too; "." and ".." are refused rather than resolved, so a host path means one place.
std::string canonical(std::string_view path) {
  auto parsed = vfs::parse_path(path);
  if (!parsed.ok()) {
    throw InvalidArgumentError("eryx: invalid VfsStorage path '" + std::string(path) +
                               "': " + std::string(vfs::to_string(parsed.status())));
  }
  std::string out;
  for (auto name : parsed->components) {
    if (name == "." || name == "..") {
      throw InvalidArgumentError("eryx: VfsStorage paths may not contain '.' or '..': '" +
                                 std::string(path) + "'");
    }
    out += '/';
    out += name;
  }
  return out.empty() ? "/" : out;
}

std::shared_ptr<vfs::Vfs> make_tree(uint64_t max_bytes) {
  auto tree = std::make_shared<vfs::Vfs>(
      vfs::VfsOptions{.quota_bytes = max_bytes, .max_entries = kMaxEntries});
  tree->root()->set_read_only(false);  // the whole storage is the guest's to write
  return tree;
}

// Marks a directory removed with every directory below it, so an fd still open somewhere inside
// cannot add entries nobody can reach any more.
void mark_removed_tree(const vfs::DirPtr& top) {
  std::vector<vfs::DirPtr> pending{top};
  while (!pending.empty()) {
    vfs::DirPtr dir = std::move(pending.back());
    pending.pop_back();
    dir->visit_from(0, [&](uint64_t, const vfs::Directory::Entry& entry) {
      if (entry.node->is_directory()) {
        pending.push_back(std::static_pointer_cast<vfs::Directory>(entry.node));
      }
      return true;
    });
    dir->mark_removed();
  }
}

// Empties a directory (under the storage's lock).
void clear_directory(vfs::Directory& dir) {
  std::vector<std::string> names;
  dir.visit_from(0, [&](uint64_t, const vfs::Directory::Entry& entry) {
    names.push_back(entry.name);
    return true;
  });
  for (const auto& name : names) {
    vfs::NodePtr node = dir.erase(name);
    if (node && node->is_directory()) {
      mark_removed_tree(std::static_pointer_cast<vfs::Directory>(node));
    }
  }
}

}  // namespace

struct VfsStorage::Impl {
  uint64_t max_bytes;
  std::shared_ptr<vfs::TreeMount> mount;  // locked: guests and host serialise on its mutex
};

std::shared_ptr<vfs::TreeMount> detail::VfsStorageAccess::mount(const VfsStorage& storage) {
  return storage.impl_->mount;
}

std::shared_ptr<VfsStorage> VfsStorage::create(uint64_t max_bytes) {
  if (max_bytes == 0) throw InvalidArgumentError("eryx: VfsStorage max_bytes must be positive");
  auto impl = std::make_unique<Impl>();
  impl->max_bytes = max_bytes;
  impl->mount = vfs::TreeMount::make(make_tree(max_bytes), /*locked=*/true);
  return std::shared_ptr<VfsStorage>(new VfsStorage(std::move(impl)));
}

VfsStorage::VfsStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VfsStorage::~VfsStorage() = default;

void VfsStorage::write_file(std::string_view path, std::string_view data) {
  std::string target = canonical(path);
  if (target == "/") fail(vfs::Status::kIsDirectory, target);
  auto guard = impl_->mount->lock();
  vfs::Vfs& tree = *impl_->mount->vfs();
  // Parents one by one, so that each is created writable (make_dir makes missing parents
  // read-only, as the layout wants).
  for (size_t slash = target.find('/', 1); slash != std::string::npos;
       slash = target.find('/', slash + 1)) {
    std::string parent = target.substr(0, slash);
    if (auto status = tree.make_dir(parent, vfs::Access::kWritable); status != vfs::Status::kOk) {
      fail(status, parent);
    }
  }
  if (auto status = tree.write_file(target, data); status != vfs::Status::kOk) fail(status, target);
}

std::string VfsStorage::read_file(std::string_view path) const {
  std::string target = canonical(path);
  auto guard = impl_->mount->lock();
  const vfs::Vfs& tree = *impl_->mount->vfs();
  auto node = tree.lookup(tree.root(), target, /*follow_final=*/true);
  if (!node.ok()) fail(node.status(), target);
  if ((*node)->is_directory()) fail(vfs::Status::kIsDirectory, target);
  return std::string(static_cast<const vfs::File&>(**node).contents());
}

std::vector<std::string> VfsStorage::list(std::string_view path) const {
  std::string target = canonical(path);
  auto guard = impl_->mount->lock();
  const vfs::Vfs& tree = *impl_->mount->vfs();
  auto node = tree.lookup(tree.root(), target, /*follow_final=*/true);
  if (!node.ok()) fail(node.status(), target);
  if (!(*node)->is_directory()) fail(vfs::Status::kNotDirectory, target);
  std::vector<std::string> names;
  static_cast<const vfs::Directory&>(**node).visit_from(
      0, [&](uint64_t, const vfs::Directory::Entry& entry) {
        names.push_back(entry.name);
        return true;
      });
  std::sort(names.begin(), names.end());
  return names;
}

void VfsStorage::remove(std::string_view path) {
  std::string target = canonical(path);
  auto guard = impl_->mount->lock();
  vfs::Vfs& tree = *impl_->mount->vfs();
  if (target == "/") {
    clear_directory(*tree.root());
    return;
  }
  auto location = tree.resolve(tree.root(), target, /*follow_final=*/false);
  if (!location.ok()) fail(location.status(), target);
  if (!location->node || !location->parent) fail(vfs::Status::kNotFound, target);
  vfs::NodePtr node = location->parent->erase(location->name);
  if (node && node->is_directory()) {
    mark_removed_tree(std::static_pointer_cast<vfs::Directory>(node));
  }
  // `node` (and with it a whole subtree) is freed here, still under the lock.
}

uint64_t VfsStorage::size_bytes() const {
  auto guard = impl_->mount->lock();
  return impl_->mount->vfs()->used_bytes();
}

uint64_t VfsStorage::max_bytes() const { return impl_->max_bytes; }

std::string VfsStorage::snapshot() const {
  codec::Writer payload;
  {
    auto guard = impl_->mount->lock();
    vfs::TreeEncoder encoder(*impl_->mount->vfs());
    encoder.write(payload);
  }
  return snapshot::seal_image(kStorageKind, kStorageFingerprint, payload.str());
}

void VfsStorage::restore(std::string_view bytes) {
  std::string_view payload = snapshot::open_image(kStorageKind, bytes, kStorageFingerprint);
  // Decoded into a tree of its own first: a bad image leaves the storage as it was.
  auto decoded = make_tree(impl_->max_bytes);
  try {
    codec::Reader in(payload);
    vfs::TreeDecoder decoder(in, *decoded);
    if (!in.done()) throw codec::DecodeError("trailing bytes");
  } catch (const vfs::TreeTooLarge& e) {
    throw ResourceLimitError("eryx: the VfsStorage snapshot does not fit max_bytes (" +
                             std::to_string(impl_->max_bytes) + "): " + e.what());
  } catch (const codec::DecodeError& e) {
    throw Error("eryx: the VfsStorage snapshot is corrupt: " + std::string(e.what()));
  }
  auto guard = impl_->mount->lock();
  vfs::Vfs& tree = *impl_->mount->vfs();
  // The root stays the same directory: sessions hold it open (their preopen of the mount).
  clear_directory(*tree.root());
  vfs::replace_root(tree, *decoded);
}

}  // namespace eryx
