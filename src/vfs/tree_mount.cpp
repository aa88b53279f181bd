#include "vfs/tree_mount.h"

#include <limits>

namespace eryx::vfs {
namespace {

constexpr uint64_t kMaxFileOffset = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// The directory node behind a handle of this mount. The WASI layer passes only directory handles
// of the mount itself (mount.h); a file handle here would be a caller bug, answered NotDirectory.
DirPtr directory_of(Handle& handle) {
  const NodePtr& node = static_cast<TreeHandle&>(handle).node();
  if (!node->is_directory()) return nullptr;
  return std::static_pointer_cast<Directory>(node);
}

}  // namespace

FileType file_type_of(const Node& node) {
  switch (node.type()) {
    case NodeType::kDirectory:
      return FileType::kDirectory;
    case NodeType::kRegularFile:
      return FileType::kRegularFile;
    case NodeType::kSymlink:
      return FileType::kSymlink;
  }
  return FileType::kUnknown;
}

FileStat stat_of(const Node& node) {
  FileStat stat;
  stat.type = file_type_of(node);
  stat.inode = node.inode();
  switch (node.type()) {
    case NodeType::kDirectory: {
      const auto& dir = static_cast<const Directory&>(node);
      stat.nlink = dir.removed() ? 0 : 2 + dir.subdirectory_count();
      stat.size = 4096;
      break;
    }
    case NodeType::kRegularFile: {
      const auto& file = static_cast<const File&>(node);
      stat.nlink = file.link_count();
      stat.size = file.size();
      break;
    }
    case NodeType::kSymlink:
      stat.nlink = 1;
      stat.size = static_cast<const Symlink&>(node).target().size();
      break;
  }
  stat.atim = node.times().atim;
  stat.mtim = node.times().mtim;
  stat.ctim = node.times().ctim;
  return stat;
}

// ---- TreeMount ----

std::shared_ptr<TreeMount> TreeMount::make(std::shared_ptr<Vfs> vfs, bool locked) {
  return std::make_shared<TreeMount>(Token{}, std::move(vfs), locked);
}

TreeMount::TreeMount(Token, std::shared_ptr<Vfs> vfs, bool locked)
    : vfs_(std::move(vfs)), mutex_(locked ? std::make_unique<std::mutex>() : nullptr) {}

Result<HandlePtr> TreeMount::handle_for(NodePtr node) {
  if (!node || node->is_symlink()) return Status::kInvalid;
  return HandlePtr(std::make_shared<TreeHandle>(shared_from_this(), std::move(node)));
}

Result<HandlePtr> TreeMount::open_root() {
  auto guard = lock();
  return handle_for(vfs_->root());
}

Result<HandlePtr> TreeMount::open(Handle& dir, std::string_view path, const OpenOptions& options) {
  auto guard = lock();
  DirPtr start = directory_of(dir);
  if (!start) return Status::kNotDirectory;
  auto node = vfs_->open(start, path, options);
  if (!node.ok()) return node.status();
  return handle_for(std::move(*node));
}

Result<FileStat> TreeMount::stat(Handle& dir, std::string_view path, bool follow) {
  auto guard = lock();
  DirPtr start = directory_of(dir);
  if (!start) return Status::kNotDirectory;
  auto node = vfs_->lookup(start, path, follow);
  if (!node.ok()) return node.status();
  return stat_of(**node);
}

Status TreeMount::set_times(Handle& dir, std::string_view path, bool follow,
                            std::optional<uint64_t> atim, std::optional<uint64_t> mtim) {
  auto guard = lock();
  DirPtr start = directory_of(dir);
  if (!start) return Status::kNotDirectory;
  auto node = vfs_->lookup(start, path, follow);
  if (!node.ok()) return node.status();
  return (*node)->set_times(atim, mtim);
}

Status TreeMount::create_directory(Handle& dir, std::string_view path) {
  auto guard = lock();
  DirPtr start = directory_of(dir);
  return start ? vfs_->create_directory(start, path) : Status::kNotDirectory;
}

Status TreeMount::remove_directory(Handle& dir, std::string_view path) {
  auto guard = lock();
  DirPtr start = directory_of(dir);
  return start ? vfs_->remove_directory(start, path) : Status::kNotDirectory;
}

Status TreeMount::unlink_file(Handle& dir, std::string_view path) {
  // The unlinked node may be destroyed here (its last name gone, no fd open): under the lock.
  auto guard = lock();
  DirPtr start = directory_of(dir);
  return start ? vfs_->unlink_file(start, path) : Status::kNotDirectory;
}

Status TreeMount::rename(Handle& old_dir, std::string_view old_path, Handle& new_dir,
                         std::string_view new_path) {
  auto guard = lock();
  DirPtr from = directory_of(old_dir);
  DirPtr to = directory_of(new_dir);
  if (!from || !to) return Status::kNotDirectory;
  return vfs_->rename(from, old_path, to, new_path);
}

Status TreeMount::link(Handle& old_dir, std::string_view old_path, bool follow, Handle& new_dir,
                       std::string_view new_path) {
  auto guard = lock();
  DirPtr from = directory_of(old_dir);
  DirPtr to = directory_of(new_dir);
  if (!from || !to) return Status::kNotDirectory;
  return vfs_->link(from, old_path, follow, to, new_path);
}

Status TreeMount::symlink(std::string_view target, Handle& dir, std::string_view path) {
  auto guard = lock();
  DirPtr start = directory_of(dir);
  return start ? vfs_->symlink(target, start, path) : Status::kNotDirectory;
}

Result<std::string> TreeMount::readlink(Handle& dir, std::string_view path) {
  auto guard = lock();
  DirPtr start = directory_of(dir);
  if (!start) return Status::kNotDirectory;
  return vfs_->readlink(start, path);
}

// ---- TreeHandle ----

TreeHandle::TreeHandle(std::shared_ptr<TreeMount> mount, NodePtr node)
    : mount_(std::move(mount)), node_(std::move(node)), type_(file_type_of(*node_)) {}

TreeHandle::~TreeHandle() {
  // The last reference to an unlinked file or removed directory frees it and updates the shared
  // accounting: that must not race with another session's write.
  auto guard = mount_->lock();
  node_.reset();
}

File* TreeHandle::file() const {
  return node_->is_file() ? static_cast<File*>(node_.get()) : nullptr;
}

Result<uint64_t> TreeHandle::read(uint64_t offset, std::span<const MutableBytes> buffers) {
  auto guard = mount_->lock();
  File* f = file();
  if (!f) return Status::kIsDirectory;
  uint64_t done = 0;
  for (auto buffer : buffers) {
    uint64_t n = f->read(offset + done, buffer);
    done += n;
    if (n < buffer.size()) break;
  }
  return done;
}

Status TreeHandle::write(uint64_t offset, std::span<const ConstBytes> chunks) {
  auto guard = mount_->lock();
  File* f = file();
  return f ? f->write(offset, chunks) : Status::kIsDirectory;
}

Result<uint64_t> TreeHandle::append(std::span<const ConstBytes> chunks) {
  auto guard = mount_->lock();
  File* f = file();
  if (!f) return Status::kIsDirectory;
  uint64_t position = f->size();
  Status status = f->write(position, chunks);
  if (status != Status::kOk) return status;
  uint64_t total = 0;
  for (const auto& chunk : chunks) total += chunk.size();
  return position + total;
}

Result<uint64_t> TreeHandle::size() {
  auto guard = mount_->lock();
  File* f = file();
  if (!f) return Status::kIsDirectory;
  return f->size();
}

Status TreeHandle::resize(uint64_t size) {
  auto guard = mount_->lock();
  File* f = file();
  return f ? f->resize(size) : Status::kIsDirectory;
}

Status TreeHandle::allocate(uint64_t offset, uint64_t len) {
  if (offset > kMaxFileOffset || len > kMaxFileOffset - offset) return Status::kFileTooBig;
  auto guard = mount_->lock();
  File* f = file();
  if (!f) return Status::kIsDirectory;
  if (f->read_only() || f->is_image()) return Status::kReadOnly;
  if (offset + len <= f->size()) return Status::kOk;
  return f->resize(offset + len);
}

Result<FileStat> TreeHandle::stat() {
  auto guard = mount_->lock();
  return stat_of(*node_);
}

Status TreeHandle::set_times(std::optional<uint64_t> atim, std::optional<uint64_t> mtim) {
  auto guard = mount_->lock();
  return node_->set_times(atim, mtim);
}

Status TreeHandle::read_directory(uint64_t cookie, const DirEntryVisitor& visit) {
  auto guard = mount_->lock();
  if (!node_->is_directory()) return Status::kNotDirectory;
  const auto& dir = static_cast<const Directory&>(*node_);
  bool more = true;
  if (cookie < Directory::kDotCookie) {
    more = visit({Directory::kDotCookie, dir.inode(), FileType::kDirectory, "."});
  }
  if (more && cookie < Directory::kDotDotCookie) {
    auto parent = dir.parent();
    uint64_t ino = parent ? parent->inode() : dir.inode();  // a root is its own parent
    more = visit({Directory::kDotDotCookie, ino, FileType::kDirectory, ".."});
  }
  if (more) {
    dir.visit_from(cookie, [&](uint64_t entry_cookie, const Directory::Entry& entry) {
      return visit({entry_cookie, entry.node->inode(), file_type_of(*entry.node), entry.name});
    });
  }
  return Status::kOk;
}

}  // namespace eryx::vfs
