// The in-memory filesystem a sandbox sees.
//
// Guarantees:
// - The tree is the guest's whole world: there is no host filesystem access in this layer. Paths
//   resolve relative to a directory node (the WASI layer's directory fd) or, when absolute, from
//   the root; ".." at the root stays at the root, and symlinks (absolute targets mean this root)
//   are followed at most kMaxSymlinkHops times in one resolution. So no path leaves the tree.
// - Deny by default: the root is read-only unless made otherwise. Read-only directories refuse new
//   entries, unlinks and renames; read-only files (stdlib images) refuse writes. These operations
//   report Status::kReadOnly.
// - Writable bytes (file data, symlink targets) are capped by a quota, directory entries by a
//   count; past either, operations report Status::kNoSpace and change nothing.
// - clone() deep-copies the tree (file data copied, image bytes shared) with a map from old nodes
//   to new ones, so a cloned WASI context can point its open fds at the copies.
//
// Host-side builders (make_dir, add_image_file, write_file) take absolute canonical paths and
// ignore read-only flags: the host is trusted. Guest-side operations take a start directory and a
// guest path and enforce everything above. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vfs/mount.h"
#include "vfs/node.h"
#include "vfs/path.h"
#include "vfs/status.h"

namespace eryx::vfs {

struct VfsOptions {
  uint64_t quota_bytes = 64ull * 1024 * 1024;  // writable file data and symlink targets
  uint64_t max_entries = 65536;                // directory entries in the whole tree
};

enum class Access : uint8_t { kReadOnly, kWritable };

using DirPtr = std::shared_ptr<Directory>;

// What a guest path names: the directory holding the final name, and the node if it exists.
struct Location {
  DirPtr parent;                   // null when the path names a directory itself ("/", ".", "..")
  std::string name;                // the final component (empty when parent is null)
  NodePtr node;                    // null when the final component does not exist
  bool must_be_directory = false;  // the path had a trailing slash
};

class Vfs {
 public:
  // An empty tree whose root directory is read-only.
  explicit Vfs(VfsOptions options = {});
  Vfs(const Vfs&) = delete;
  Vfs& operator=(const Vfs&) = delete;
  ~Vfs();

  const DirPtr& root() const { return root_; }
  const VfsOptions& options() const { return options_; }
  uint64_t used_bytes() const { return accounting_->used_bytes; }
  uint64_t entry_count() const { return accounting_->entries; }
  const AccountingPtr& accounting() const { return accounting_; }
  // Changes the byte quota for what is written from now on (bytes already stored stay).
  void set_quota_bytes(uint64_t quota) { accounting_->quota_bytes = quota; }

  // ---- Host side ----
  // Creates the directory and missing parents (parents read-only); an existing directory gets
  // `access`. Invalid for a relative or non-canonical path, NotDirectory across a file.
  Status make_dir(std::string_view path, Access access);
  // Adds a read-only file whose bytes are shared, never copied. Exists if the name is taken.
  Status add_image_file(std::string_view path, std::shared_ptr<const std::string> bytes);
  Status add_image_file(std::string_view path, std::string_view bytes,
                        std::shared_ptr<const void> owner);
  // Creates or replaces a writable file with `data` (quota applies).
  Status write_file(std::string_view path, std::string_view data);
  // The contents of a regular file (symlinks followed), or nullopt.
  std::optional<std::string> read_file(std::string_view path) const;

  // ---- Guest side: `path` is relative to `start` unless absolute ----
  Result<Location> resolve(const DirPtr& start, std::string_view path, bool follow_final) const;
  // The node `path` names; NotFound when absent.
  Result<NodePtr> lookup(const DirPtr& start, std::string_view path, bool follow_final) const;
  // Opens (and with options.create, creates) a file or directory.
  Result<NodePtr> open(const DirPtr& start, std::string_view path, const OpenOptions& options);
  Status create_directory(const DirPtr& start, std::string_view path);
  Status remove_directory(const DirPtr& start, std::string_view path);
  Status unlink_file(const DirPtr& start, std::string_view path);
  Status rename(const DirPtr& old_start, std::string_view old_path, const DirPtr& new_start,
                std::string_view new_path);
  Status link(const DirPtr& old_start, std::string_view old_path, bool follow,
              const DirPtr& new_start, std::string_view new_path);
  Status symlink(std::string_view target, const DirPtr& start, std::string_view path);
  Result<std::string> readlink(const DirPtr& start, std::string_view path) const;

  // ---- Copies ----
  // A deep copy; `map` receives every copied node (old -> new).
  std::shared_ptr<Vfs> clone(NodeMap& map) const;
  // Copies a node the tree no longer reaches (an unlinked file still open) into this tree's
  // accounting, reusing `map` entries.
  NodePtr adopt_copy(const NodePtr& node, NodeMap& map) const;

 private:
  struct NoRoot {};
  Vfs(VfsOptions options, NoRoot);

  // Walks an absolute host path; with `create`, makes missing directories read-only.
  Result<DirPtr> host_directory(std::string_view path, bool create);
  Result<Location> host_location(std::string_view path);
  // Checks that a new entry may be added to `parent`.
  Status check_new_entry(const Directory& parent) const;

  VfsOptions options_;
  AccountingPtr accounting_;
  DirPtr root_;
};

// The layout the engine serves: "/" read-only, "/tmp" writable, and the stdlib zip as a shared
// read-only image at /usr/local/lib/<zip_name> (the directories on its way read-only).
std::shared_ptr<Vfs> make_default_layout(std::string_view zip_name,
                                         std::shared_ptr<const std::string> zip,
                                         VfsOptions options = {});
// The same with the zip's bytes kept alive by `owner` (e.g. a mapping of the file).
std::shared_ptr<Vfs> make_default_layout(std::string_view zip_name, std::string_view zip,
                                         std::shared_ptr<const void> owner,
                                         VfsOptions options = {});

}  // namespace eryx::vfs
