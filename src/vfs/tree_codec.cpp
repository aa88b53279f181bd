#include "vfs/tree_codec.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace eryx::vfs {

// The node internals a restored tree must reproduce exactly (inodes, times, cookies) but that no
// guest operation may set.
struct TreeAccess {
  static uint64_t next_cookie(const Directory& dir) { return dir.next_cookie_; }
  static void set_next_cookie(Directory& dir, uint64_t cookie) { dir.next_cookie_ = cookie; }
  static bool has_cookie(const Directory& dir, uint64_t cookie) {
    return dir.entries_.contains(cookie);
  }
  static void insert_at(Directory& dir, uint64_t cookie, std::string_view name, NodePtr node) {
    dir.insert_at(cookie, std::string(name), std::move(node));
  }
  static void set_metadata(Node& node, uint64_t inode, const Timestamps& times) {
    node.inode_ = inode;
    node.times_ = times;
  }
  // The caller checked the quota.
  static void set_data(File& file, std::string_view bytes) {
    file.data_.assign(bytes);
    file.accounting()->used_bytes += bytes.size();
  }
};

namespace {

constexpr uint32_t kMountParent = 0xFFFFFFFF;
constexpr uint32_t kDetachedParent = 0xFFFFFFFE;

enum class LeafType : uint8_t { kFile = 1, kSymlink = 2 };
enum class RefKind : uint8_t { kNone = 0, kDirectory = 1, kLeaf = 2, kLayoutPath = 3 };

void write_metadata(codec::Writer& out, const Node& node) {
  out.u8(node.read_only() ? 1 : 0);
  out.u64(node.inode());
  out.u64(node.times().atim);
  out.u64(node.times().mtim);
  out.u64(node.times().ctim);
}

struct Metadata {
  bool read_only;
  uint64_t inode;
  Timestamps times;
};

Metadata read_metadata(codec::Reader& in) {
  Metadata meta{};
  uint8_t flag = in.u8();
  if (flag > 1) throw codec::DecodeError("invalid read-only flag");
  meta.read_only = flag == 1;
  meta.inode = in.u64();
  // Inode numbers are handed out by incrementing; the largest one must leave room for the next.
  if (meta.inode == 0 || meta.inode == UINT64_MAX) throw codec::DecodeError("invalid inode");
  meta.times.atim = in.u64();
  meta.times.mtim = in.u64();
  meta.times.ctim = in.u64();
  return meta;
}

// A directory entry name as the guest could have made it (vfs/path.h's limits).
void check_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || name == "." || name == ".." ||
      name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    throw codec::DecodeError("invalid entry name");
  }
}

std::string child_path(const std::string& parent, std::string_view name) {
  return (parent == "/" ? "/" : parent + "/") + std::string(name);
}

}  // namespace

// ---- Encoder ----

TreeEncoder::TreeEncoder(const Vfs& vfs) : next_inode_(vfs.accounting()->next_inode) {
  const DirPtr& root = vfs.root();
  if (!root->read_only()) {
    walk_mount(root, "/");
    return;
  }
  // The read-only layout: remember where its nodes are (an fd may refer to one) and find the
  // mounts. Directories the host made are few and shallow; still, no recursion.
  layout_paths_.emplace(root.get(), "/");
  std::vector<std::pair<DirPtr, std::string>> pending{{root, "/"}};
  while (!pending.empty()) {
    auto [dir, path] = std::move(pending.back());
    pending.pop_back();
    dir->visit_from(0, [&](uint64_t, const Directory::Entry& entry) {
      std::string child = child_path(path, entry.name);
      const Node& node = *entry.node;
      if (node.is_directory() && !node.read_only()) {
        walk_mount(std::static_pointer_cast<Directory>(entry.node), child);
      } else if (node.is_file() && !node.read_only()) {
        // The guest could have changed it, and a link record needs a directory in the tree.
        throw std::runtime_error("eryx: cannot snapshot the writable file " + child +
                                 " in a read-only directory");
      } else {
        layout_paths_.emplace(&node, child);
        if (node.is_directory()) {
          pending.emplace_back(std::static_pointer_cast<Directory>(entry.node), child);
        }
      }
      return true;
    });
  }
}

void TreeEncoder::walk_mount(const DirPtr& mount, const std::string& path) {
  auto push_dir = [&](const Directory* dir, uint32_t parent, std::string name, uint64_t cookie) {
    auto index = static_cast<uint32_t>(dirs_.size());
    dirs_.push_back({dir, parent, std::move(name), cookie});
    dir_index_.emplace(dir, index);
    return index;
  };
  // Pre-order: a directory's record always comes after its parent's, which the reader relies on.
  std::vector<uint32_t> pending{push_dir(mount.get(), kMountParent, path, 0)};
  while (!pending.empty()) {
    uint32_t parent = pending.back();
    pending.pop_back();
    const Directory* dir = dirs_[parent].dir;
    dir->visit_from(0, [&](uint64_t cookie, const Directory::Entry& entry) {
      const Node& node = *entry.node;
      if (node.is_directory()) {
        pending.push_back(
            push_dir(static_cast<const Directory*>(&node), parent, entry.name, cookie));
      } else {
        links_.push_back({parent, entry.name, cookie, add_leaf(node)});
      }
      return true;
    });
  }
}

uint32_t TreeEncoder::add_leaf(const Node& node) {
  if (auto found = leaf_index_.find(&node); found != leaf_index_.end()) return found->second;
  if (node.is_file() && static_cast<const File&>(node).is_image()) {
    throw std::runtime_error("eryx: cannot snapshot a read-only image file inside /tmp");
  }
  auto index = static_cast<uint32_t>(leaves_.size());
  leaves_.push_back(&node);
  leaf_index_.emplace(&node, index);
  return index;
}

void TreeEncoder::add(const NodePtr& node) {
  if (!node || dir_index_.contains(node.get()) || leaf_index_.contains(node.get()) ||
      layout_paths_.contains(node.get())) {
    return;
  }
  if (node->is_directory()) {
    // Only a removed directory is outside the tree; removal requires it to be empty.
    const auto& dir = static_cast<const Directory&>(*node);
    if (!dir.removed() || !dir.empty()) {
      throw std::runtime_error("eryx: cannot snapshot a directory outside the filesystem tree");
    }
    dir_index_.emplace(&dir, static_cast<uint32_t>(dirs_.size()));
    dirs_.push_back({&dir, kDetachedParent, {}, 0});
    return;
  }
  add_leaf(*node);  // an unlinked file still open
}

void TreeEncoder::write(codec::Writer& out) const {
  out.u64(next_inode_);
  out.u32(static_cast<uint32_t>(dirs_.size()));
  for (const auto& record : dirs_) {
    out.u32(record.parent);
    out.bytes(record.name);
    out.u64(record.cookie);
    write_metadata(out, *record.dir);
    out.u64(TreeAccess::next_cookie(*record.dir));
  }
  out.u32(static_cast<uint32_t>(leaves_.size()));
  for (const Node* leaf : leaves_) {
    if (leaf->is_file()) {
      out.u8(static_cast<uint8_t>(LeafType::kFile));
      write_metadata(out, *leaf);
      out.bytes(static_cast<const File&>(*leaf).contents());
    } else {
      out.u8(static_cast<uint8_t>(LeafType::kSymlink));
      write_metadata(out, *leaf);
      out.bytes(static_cast<const Symlink&>(*leaf).target());
    }
  }
  out.u32(static_cast<uint32_t>(links_.size()));
  for (const auto& link : links_) {
    out.u32(link.dir);
    out.bytes(link.name);
    out.u64(link.cookie);
    out.u32(link.leaf);
  }
}

void TreeEncoder::write_ref(codec::Writer& out, const NodePtr& node) const {
  if (!node) {
    out.u8(static_cast<uint8_t>(RefKind::kNone));
  } else if (auto dir = dir_index_.find(node.get()); dir != dir_index_.end()) {
    out.u8(static_cast<uint8_t>(RefKind::kDirectory));
    out.u32(dir->second);
  } else if (auto leaf = leaf_index_.find(node.get()); leaf != leaf_index_.end()) {
    out.u8(static_cast<uint8_t>(RefKind::kLeaf));
    out.u32(leaf->second);
  } else if (auto path = layout_paths_.find(node.get()); path != layout_paths_.end()) {
    out.u8(static_cast<uint8_t>(RefKind::kLayoutPath));
    out.bytes(path->second);
  } else {
    throw std::logic_error("eryx: TreeEncoder::write_ref for a node that was not add()ed");
  }
}

// ---- Decoder ----

TreeDecoder::TreeDecoder(codec::Reader& in, Vfs& vfs) : vfs_(vfs) {
  Accounting& accounting = *vfs.accounting();
  const uint64_t layout_next_inode = accounting.next_inode;
  uint64_t next_inode = in.u64();
  uint64_t max_inode = 0;
  // Inserting entries touches directories, so times are applied once everything is in place.
  std::vector<std::pair<NodePtr, Metadata>> metadata;

  auto check_entry = [&](const Directory& dir, std::string_view name, uint64_t cookie) {
    if (dir.removed()) throw codec::DecodeError("entry in a removed directory");
    check_name(name);
    if (dir.find(name)) throw codec::DecodeError("duplicate entry name");
    if (cookie < Directory::kFirstEntryCookie || cookie >= TreeAccess::next_cookie(dir) ||
        TreeAccess::has_cookie(dir, cookie)) {
      throw codec::DecodeError("invalid directory cookie");
    }
    if (!accounting.can_add_entry()) {
      throw TreeTooLarge("the snapshot's files have more entries than the filesystem allows");
    }
  };

  std::unordered_set<const Node*> mounts;
  for (uint32_t n = in.u32(), i = 0; i < n; ++i) {
    uint32_t parent = in.u32();
    std::string_view name = in.bytes(kMaxPathLength, "a directory name");
    uint64_t cookie = in.u64();
    Metadata meta = read_metadata(in);
    uint64_t next_cookie = in.u64();
    if (next_cookie < Directory::kFirstEntryCookie || next_cookie == UINT64_MAX) {
      throw codec::DecodeError("invalid directory cookie");
    }
    DirPtr dir;
    if (parent == kMountParent) {
      // The mount itself is the fresh layout's directory: its place and access are the host's.
      if (name.empty() || name.front() != '/') throw codec::DecodeError("invalid mount path");
      auto found = vfs.lookup(vfs.root(), name, /*follow_final=*/false);
      if (!found.ok() || !(*found)->is_directory() || (*found)->read_only()) {
        throw codec::DecodeError("the snapshot's writable directory " + std::string(name) +
                                 " is not one in this filesystem");
      }
      dir = std::static_pointer_cast<Directory>(*found);
      if (!mounts.insert(dir.get()).second || !dir->empty()) {
        throw codec::DecodeError("a writable directory appears twice");
      }
    } else if (parent == kDetachedParent) {
      if (!name.empty()) throw codec::DecodeError("invalid removed directory");
      dir = Directory::make(vfs.accounting(), meta.read_only);
      dir->mark_removed();
    } else {
      // Parents come first, so the directories form a tree rooted at the mounts: no cycle, no
      // directory in two places.
      if (parent >= dirs_.size()) throw codec::DecodeError("invalid parent directory");
      Directory& up = *dirs_[parent];
      check_entry(up, name, cookie);
      dir = Directory::make(vfs.accounting(), meta.read_only);
      TreeAccess::insert_at(up, cookie, name, dir);
    }
    TreeAccess::set_next_cookie(*dir, next_cookie);
    metadata.emplace_back(dir, meta);
    dirs_.push_back(std::move(dir));
  }

  for (uint32_t n = in.u32(), i = 0; i < n; ++i) {
    uint8_t type = in.u8();
    Metadata meta = read_metadata(in);
    std::string_view contents = in.bytes();
    if (!accounting.can_add_bytes(contents.size())) {
      throw TreeTooLarge("the snapshot's files do not fit the filesystem quota (max_vfs_bytes)");
    }
    NodePtr leaf;
    if (type == static_cast<uint8_t>(LeafType::kFile)) {
      auto file = File::make_writable(vfs.accounting());
      TreeAccess::set_data(*file, contents);
      leaf = std::move(file);
    } else if (type == static_cast<uint8_t>(LeafType::kSymlink)) {
      // As Vfs::symlink accepts them.
      if (contents.empty() || contents.size() > kMaxPathLength ||
          contents.find('\0') != std::string_view::npos) {
        throw codec::DecodeError("invalid symlink target");
      }
      leaf = std::make_shared<Symlink>(vfs.accounting(), std::string(contents));
    } else {
      throw codec::DecodeError("invalid node type");
    }
    leaf->set_read_only(meta.read_only);
    metadata.emplace_back(leaf, meta);
    leaves_.push_back(std::move(leaf));
  }

  for (uint32_t n = in.u32(), i = 0; i < n; ++i) {
    uint32_t dir = in.u32();
    std::string_view name = in.bytes(kMaxNameLength, "an entry name");
    uint64_t cookie = in.u64();
    uint32_t leaf = in.u32();
    if (dir >= dirs_.size() || leaf >= leaves_.size()) {
      throw codec::DecodeError("invalid link");
    }
    check_entry(*dirs_[dir], name, cookie);
    TreeAccess::insert_at(*dirs_[dir], cookie, name, leaves_[leaf]);
  }

  for (auto& [node, meta] : metadata) {
    TreeAccess::set_metadata(*node, meta.inode, meta.times);
    max_inode = std::max(max_inode, meta.inode);
  }
  // New nodes must not reuse a number of the layout or of a restored node.
  accounting.next_inode = std::max({next_inode, max_inode + 1, layout_next_inode});
}

NodePtr TreeDecoder::read_ref(codec::Reader& in) const {
  switch (static_cast<RefKind>(in.u8())) {
    case RefKind::kNone:
      return nullptr;
    case RefKind::kDirectory: {
      uint32_t index = in.u32();
      if (index >= dirs_.size()) throw codec::DecodeError("invalid directory reference");
      return dirs_[index];
    }
    case RefKind::kLeaf: {
      uint32_t index = in.u32();
      if (index >= leaves_.size()) throw codec::DecodeError("invalid file reference");
      return leaves_[index];
    }
    case RefKind::kLayoutPath: {
      std::string_view path = in.bytes(kMaxPathLength, "a path");
      if (path.empty() || path.front() != '/') throw codec::DecodeError("invalid path reference");
      auto found = vfs_.lookup(vfs_.root(), path, /*follow_final=*/false);
      if (!found.ok()) {
        throw codec::DecodeError("the snapshot refers to " + std::string(path) +
                                 ", which this filesystem does not have");
      }
      return *found;
    }
  }
  throw codec::DecodeError("invalid node reference");
}

void replace_root(Vfs& target, const Vfs& source) {
  Directory& to = *target.root();
  const Directory& from = *source.root();
  NodeMap map;
  from.visit_from(0, [&](uint64_t cookie, const Directory::Entry& entry) {
    TreeAccess::insert_at(to, cookie, entry.name, copy_tree(entry.node, target.accounting(), map));
    return true;
  });
  TreeAccess::set_next_cookie(to, TreeAccess::next_cookie(from));
  TreeAccess::set_metadata(to, from.inode(), from.times());
  target.accounting()->next_inode =
      std::max(target.accounting()->next_inode, source.accounting()->next_inode);
}

}  // namespace eryx::vfs
