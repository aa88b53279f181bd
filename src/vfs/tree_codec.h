// Serialisation of the part of a VFS tree the guest can change, for session snapshots.
//
// What is written: every writable directory whose parent is read-only (a "mount": /tmp in the
// default layout) with its whole subtree, plus the nodes outside the tree that something still
// refers to (an unlinked file or removed directory an fd holds). Read-only nodes outside the mounts
// (the root, /usr/local/lib, the stdlib zip, a factory's package files) are the host's layout,
// which the guest cannot change: they are not written, and a reference to one is its path, resolved
// in the fresh tree the state is read into. Inode numbers, times, cookies (fd_readdir positions)
// and hard links are kept.
//
// Format (little-endian, see vfs/byte_codec.h):
//   u64 next_inode
//   u32 n, n directories:  u32 parent | bytes name | u64 cookie | u8 read_only | u64 inode |
//                          3 x u64 times (atim, mtim, ctim) | u64 next_cookie
//       parent is an earlier directory's index (so the records form a tree), kMountParent (name is
//       the mount's absolute path in the layout) or kDetachedParent (a removed, empty directory).
//   u32 n, n leaves:       u8 type (1 file, 2 symlink) | u8 read_only | u64 inode | 3 x u64 times |
//                          bytes contents (file data or symlink target)
//   u32 n, n links:        u32 directory index | bytes name | u64 cookie | u32 leaf index
// A reference (write_ref/read_ref) is u8 kind (0 none, 1 directory, 2 leaf, 3 layout path) and a
// u32 index or the path's bytes.
//
// Reading checks everything a hostile input could get wrong (indices, names, cookies, duplicate
// names, removed parents, entry and byte limits); it builds nothing recursively, so no input depth
// reaches the host stack.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "vfs/byte_codec.h"
#include "vfs/vfs.h"

namespace eryx::vfs {

// The tree being read does not fit the target's byte quota or entry limit.
class TreeTooLarge : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TreeEncoder {
 public:
  // Walks `vfs`. Throws std::runtime_error for a tree this format cannot express (a writable file
  // in a read-only directory, an image file below a mount).
  explicit TreeEncoder(const Vfs& vfs);

  // Registers a node something outside the tree refers to (an open fd), so that write_ref() can
  // name it; call it for every such node before write(). Throws std::runtime_error for a node
  // neither in the tree nor expressible outside it.
  void add(const NodePtr& node);
  void write(codec::Writer& out) const;
  // A node of the tree or one add()ed; null writes "none".
  void write_ref(codec::Writer& out, const NodePtr& node) const;

 private:
  struct DirRecord {
    const Directory* dir;
    uint32_t parent;
    std::string name;  // the mount's path for a mount
    uint64_t cookie;
  };
  struct LinkRecord {
    uint32_t dir;
    std::string name;
    uint64_t cookie;
    uint32_t leaf;
  };

  void walk_mount(const DirPtr& mount, const std::string& path);
  uint32_t add_leaf(const Node& node);

  uint64_t next_inode_;
  std::vector<DirRecord> dirs_;
  std::vector<const Node*> leaves_;
  std::vector<LinkRecord> links_;
  std::unordered_map<const Node*, uint32_t> dir_index_;
  std::unordered_map<const Node*, uint32_t> leaf_index_;
  std::unordered_map<const Node*, std::string> layout_paths_;
};

class TreeDecoder {
 public:
  // Reads a tree TreeEncoder wrote into `vfs`, a fresh tree with the same layout (its mounts
  // empty). Throws codec::DecodeError for malformed input and TreeTooLarge when the files do not
  // fit `vfs`'s quota (set it first) or entry limit. On a throw `vfs` is partly filled: discard it.
  TreeDecoder(codec::Reader& in, Vfs& vfs);

  // Reads a reference write_ref() wrote; null for "none". Throws codec::DecodeError.
  NodePtr read_ref(codec::Reader& in) const;

 private:
  Vfs& vfs_;
  std::vector<DirPtr> dirs_;
  std::vector<NodePtr> leaves_;
};

// Makes `target`'s root, which must be empty, a copy of `source`'s: entries (copied with
// copy_tree: names, cookies, inodes, times, hard links), the root's own inode, times and next
// cookie, and the inode counter. The root itself stays the same directory, so fds open on it keep
// working: an in-place restore of shared storage. Limits are not checked (`source` was decoded with
// them).
void replace_root(Vfs& target, const Vfs& source);

}  // namespace eryx::vfs
