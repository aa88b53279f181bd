// The nodes of the in-memory filesystem: directories, regular files and symlinks.
//
// Guarantees:
// - Every node belongs to one tree's `Accounting`, which caps the bytes of writable data (file
//   contents and symlink targets) and the number of directory entries. A node gives its bytes back
//   when it is destroyed, so an unlinked file still held by an open fd keeps counting until closed.
// - Read-only image files never copy their bytes: they are a view kept alive by a shared owner,
//   so one stdlib zip in host memory serves every sandbox.
// - A directory owns its children (shared_ptr); a child directory knows its parent only weakly.
//   Destroying a tree is iterative, so a deep chain of directories cannot overflow the host stack.
// - Nothing here touches the host filesystem, and nothing here is thread-safe: one tree is used by
//   one store at a time (callers serialise access to a shared tree).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "vfs/status.h"

namespace eryx::vfs {

enum class NodeType : uint8_t { kDirectory, kRegularFile, kSymlink };

// Limits and usage shared by every node of one tree.
struct Accounting {
  uint64_t quota_bytes = 0;  // writable file data plus symlink targets
  uint64_t used_bytes = 0;
  uint64_t max_entries = 0;  // directory entries (names), hard links included
  uint64_t entries = 0;
  uint64_t nodes = 0;  // live nodes, for statistics
  uint64_t next_inode = 1;

  bool can_add_bytes(uint64_t n) const {
    return used_bytes <= quota_bytes && n <= quota_bytes - used_bytes;
  }
  bool can_add_entry() const { return entries < max_entries; }
};
using AccountingPtr = std::shared_ptr<Accounting>;

// Wall-clock time in nanoseconds since the Unix epoch, rounded to microseconds (file times do not
// need more, and finer ones would only leak host clock precision).
uint64_t now_ns();

struct Timestamps {
  uint64_t atim = 0;
  uint64_t mtim = 0;
  uint64_t ctim = 0;
};

class Directory;
struct TreeAccess;  // tree_codec.cpp: restores inodes, times, cookies and file data

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  virtual ~Node();

  NodeType type() const { return type_; }
  bool is_directory() const { return type_ == NodeType::kDirectory; }
  bool is_file() const { return type_ == NodeType::kRegularFile; }
  bool is_symlink() const { return type_ == NodeType::kSymlink; }
  uint64_t inode() const { return inode_; }

  // A read-only node refuses changes from the guest: a file its data, a directory its entries.
  bool read_only() const { return read_only_; }
  void set_read_only(bool read_only) { read_only_ = read_only; }

  const Timestamps& times() const { return times_; }
  // Sets atime and/or mtime (ctime follows); ReadOnly for a read-only node.
  Status set_times(std::optional<uint64_t> atim, std::optional<uint64_t> mtim);
  // Records a modification of the content now.
  void touch();

  const AccountingPtr& accounting() const { return accounting_; }

 protected:
  Node(NodeType type, AccountingPtr accounting, bool read_only);
  // A copy for another tree: same inode, flags and times.
  Node(const Node& source, AccountingPtr accounting);

 private:
  friend struct TreeAccess;
  NodeType type_;
  AccountingPtr accounting_;
  uint64_t inode_;
  bool read_only_;
  Timestamps times_;
};

using NodePtr = std::shared_ptr<Node>;
using ConstBytes = std::span<const uint8_t>;

class File final : public Node {
 public:
  // A writable, empty file. The caller checks the entry limit before linking it anywhere.
  static std::shared_ptr<File> make_writable(AccountingPtr accounting);
  // A read-only file whose bytes are `bytes`, kept alive by `owner` and never copied.
  static std::shared_ptr<File> make_image(AccountingPtr accounting, std::string_view bytes,
                                          std::shared_ptr<const void> owner);

  File(AccountingPtr accounting, bool read_only);  // use the factories
  File(const File& source, AccountingPtr accounting);
  ~File() override;

  bool is_image() const { return is_image_; }
  uint64_t size() const { return is_image_ ? image_.size() : data_.size(); }
  std::string_view contents() const {
    return is_image_ ? image_ : std::string_view(data_.data(), data_.size());
  }

  // Copies up to out.size() bytes from `offset`; returns how many (0 at or past the end).
  uint64_t read(uint64_t offset, std::span<uint8_t> out) const;
  // Writes the chunks one after the other from `offset`, growing the file as needed. All or
  // nothing: NoSpace (quota), FileTooBig (offset overflow) or ReadOnly leave the file unchanged.
  Status write(uint64_t offset, std::span<const ConstBytes> chunks);
  // Truncates or zero-extends; growth counts against the quota.
  Status resize(uint64_t new_size);

  // Moves on with every change of the contents (write, resize), so a scan (the secrets scrubber)
  // can skip a file it saw unchanged.
  uint64_t version() const { return version_; }
  // The version a scrubber last found clean; 0: never scanned.
  uint64_t scrubbed_version = 0;

  uint64_t link_count() const { return links_; }
  void add_link() { ++links_; }
  void remove_link() {
    if (links_ > 0) --links_;
  }

 private:
  friend struct TreeAccess;
  bool is_image_ = false;
  std::string data_;  // writable contents
  std::string_view image_;
  std::shared_ptr<const void> image_owner_;
  uint64_t links_ = 0;
  uint64_t version_ = 1;
};

class Symlink final : public Node {
 public:
  // The caller checks that the target's bytes fit in the quota; they are charged here.
  Symlink(AccountingPtr accounting, std::string target);
  Symlink(const Symlink& source, AccountingPtr accounting);
  ~Symlink() override;
  const std::string& target() const { return target_; }

 private:
  std::string target_;
};

class Directory final : public Node {
 public:
  // Cookies (positions for fd_readdir) 1 and 2 are "." and ".."; entries start at 3 and only grow,
  // so a cookie stays valid while other entries are added or removed.
  static constexpr uint64_t kDotCookie = 1;
  static constexpr uint64_t kDotDotCookie = 2;
  static constexpr uint64_t kFirstEntryCookie = 3;

  struct Entry {
    std::string name;
    NodePtr node;
  };

  static std::shared_ptr<Directory> make(AccountingPtr accounting, bool read_only);

  Directory(AccountingPtr accounting, bool read_only);           // use make()
  Directory(const Directory& source, AccountingPtr accounting);  // metadata only, no entries
  ~Directory() override;

  NodePtr find(std::string_view name) const;
  // Adds an entry (the name must be absent; the caller checks limits and permissions).
  void insert(std::string name, NodePtr node);
  // Removes an entry and returns its node (null when absent).
  NodePtr erase(std::string_view name);

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  size_t subdirectory_count() const { return subdirectories_; }

  // The containing directory; null for a root, or once this directory was removed.
  std::shared_ptr<Directory> parent() const { return parent_.lock(); }
  bool removed() const { return removed_; }
  void mark_removed();

  // Calls f(cookie, entry) for entries with a cookie greater than `after`, in cookie order,
  // until f returns false.
  template <typename F>
  void visit_from(uint64_t after, F&& f) const {
    for (auto it = entries_.upper_bound(after); it != entries_.end(); ++it) {
      if (!f(it->first, it->second)) return;
    }
  }

 private:
  friend struct TreeAccess;
  friend std::shared_ptr<Node> copy_tree(const NodePtr& source, const AccountingPtr& accounting,
                                         std::unordered_map<const Node*, NodePtr>& map);
  void insert_at(uint64_t cookie, std::string name, NodePtr node);

  std::map<std::string, uint64_t, std::less<>> cookies_;  // name -> cookie
  std::map<uint64_t, Entry> entries_;                     // cookie -> entry
  uint64_t next_cookie_ = kFirstEntryCookie;
  size_t subdirectories_ = 0;  // kept so stat (nlink) is O(1)
  std::weak_ptr<Directory> parent_;
  bool removed_ = false;
};

// Old node -> its copy, filled by copy_tree so that open fds can be pointed at the copies.
using NodeMap = std::unordered_map<const Node*, NodePtr>;

// Copies `source` (recursively for a directory, iteratively in fact) into the tree of
// `accounting`. Nodes already in `map` are reused, so hard links stay hard links. File data is
// copied; image bytes are shared. Limits are not checked: a copy of a tree that fit, fits.
NodePtr copy_tree(const NodePtr& source, const AccountingPtr& accounting, NodeMap& map);

}  // namespace eryx::vfs
