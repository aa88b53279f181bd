// TreeMount: the Mount (vfs/mount.h) over an in-memory tree (vfs/vfs.h).
//
// One class serves both in-memory filesystems a sandbox sees:
// - its private tree ("/", the layout plus /tmp), used by one store at a time: no locking at all,
//   so the syscall path costs what it did before mounts existed;
// - shared storage (eryx::VfsStorage), mounted by several sessions on several threads and read by
//   the host: made with `locked`, every operation of the mount and of its handles holds the
//   mount's mutex, and so does dropping a handle's node (a node's destructor updates the tree's
//   byte accounting). One mutex per tree: no torn metadata, one writer at a time.
//
// Resolution, limits and read-only rules are the tree's (vfs.h); this adds the handles.
#pragma once

#include <memory>
#include <mutex>

#include "vfs/mount.h"
#include "vfs/vfs.h"

namespace eryx::vfs {

class TreeMount final : public Mount, public std::enable_shared_from_this<TreeMount> {
 public:
  // `vfs` must not be used behind the mount's back while it is locked-shared (use lock()).
  static std::shared_ptr<TreeMount> make(std::shared_ptr<Vfs> vfs, bool locked = false);

  const std::shared_ptr<Vfs>& vfs() const { return vfs_; }
  bool locked() const { return mutex_ != nullptr; }
  // Holds the tree's mutex (an empty lock for an unlocked mount). Host code reading or changing
  // the tree directly takes it first.
  [[nodiscard]] std::unique_lock<std::mutex> lock() const {
    return mutex_ ? std::unique_lock<std::mutex>(*mutex_) : std::unique_lock<std::mutex>();
  }
  // A handle on `node`, a directory or regular file of this tree (the WASI layer uses it to
  // restore and copy fds). Invalid for a symlink or null.
  Result<HandlePtr> handle_for(NodePtr node);

  Result<HandlePtr> open_root() override;
  Result<HandlePtr> open(Handle& dir, std::string_view path, const OpenOptions& options) override;
  Result<FileStat> stat(Handle& dir, std::string_view path, bool follow) override;
  Status set_times(Handle& dir, std::string_view path, bool follow, std::optional<uint64_t> atim,
                   std::optional<uint64_t> mtim) override;
  Status create_directory(Handle& dir, std::string_view path) override;
  Status remove_directory(Handle& dir, std::string_view path) override;
  Status unlink_file(Handle& dir, std::string_view path) override;
  Status rename(Handle& old_dir, std::string_view old_path, Handle& new_dir,
                std::string_view new_path) override;
  Status link(Handle& old_dir, std::string_view old_path, bool follow, Handle& new_dir,
              std::string_view new_path) override;
  Status symlink(std::string_view target, Handle& dir, std::string_view path) override;
  Result<std::string> readlink(Handle& dir, std::string_view path) override;

  struct Token {};  // make() only
  TreeMount(Token, std::shared_ptr<Vfs> vfs, bool locked);

 private:
  std::shared_ptr<Vfs> vfs_;
  std::unique_ptr<std::mutex> mutex_;  // null: not shared, no locking
};

// What an fd on a TreeMount holds: a node of the tree and the mount that keeps it company.
class TreeHandle final : public Handle {
 public:
  TreeHandle(std::shared_ptr<TreeMount> mount, NodePtr node);
  ~TreeHandle() override;

  const NodePtr& node() const { return node_; }
  const TreeMount& tree_mount() const { return *mount_; }

  Mount& mount() const override { return *mount_; }
  FileType type() const override { return type_; }
  Result<uint64_t> read(uint64_t offset, std::span<const MutableBytes> buffers) override;
  Status write(uint64_t offset, std::span<const ConstBytes> chunks) override;
  Result<uint64_t> append(std::span<const ConstBytes> chunks) override;
  Result<uint64_t> size() override;
  Status resize(uint64_t size) override;
  Status allocate(uint64_t offset, uint64_t len) override;
  Result<FileStat> stat() override;
  Status set_times(std::optional<uint64_t> atim, std::optional<uint64_t> mtim) override;
  Status sync() override { return Status::kOk; }
  Status read_directory(uint64_t cookie, const DirEntryVisitor& visit) override;

 private:
  File* file() const;  // null for a directory

  std::shared_ptr<TreeMount> mount_;
  NodePtr node_;
  FileType type_;
};

// The stat of a node of an in-memory tree.
FileStat stat_of(const Node& node);
FileType file_type_of(const Node& node);

}  // namespace eryx::vfs
