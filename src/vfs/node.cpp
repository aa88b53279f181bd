#include "vfs/node.h"

#include <chrono>
#include <cstring>
#include <limits>
#include <vector>

namespace eryx::vfs {
namespace {

// Largest offset a file may reach: preview1 offsets are signed 64-bit on the guest side.
constexpr uint64_t kMaxFileOffset = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

}  // namespace

uint64_t now_ns() {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
  return us < 0 ? 0 : static_cast<uint64_t>(us) * 1000;
}

// ---- Node ----

Node::Node(NodeType type, AccountingPtr accounting, bool read_only)
    : type_(type),
      accounting_(std::move(accounting)),
      inode_(accounting_->next_inode++),
      read_only_(read_only) {
  uint64_t now = now_ns();
  times_ = {now, now, now};
  ++accounting_->nodes;
}

Node::Node(const Node& source, AccountingPtr accounting)
    : enable_shared_from_this(),
      type_(source.type_),
      accounting_(std::move(accounting)),
      inode_(source.inode_),
      read_only_(source.read_only_),
      times_(source.times_) {
  ++accounting_->nodes;
}

Node::~Node() { --accounting_->nodes; }

Status Node::set_times(std::optional<uint64_t> atim, std::optional<uint64_t> mtim) {
  if (read_only_) return Status::kReadOnly;
  if (atim) times_.atim = *atim;
  if (mtim) times_.mtim = *mtim;
  times_.ctim = now_ns();
  return Status::kOk;
}

void Node::touch() {
  uint64_t now = now_ns();
  times_.mtim = now;
  times_.ctim = now;
}

// ---- File ----

std::shared_ptr<File> File::make_writable(AccountingPtr accounting) {
  return std::make_shared<File>(std::move(accounting), false);
}

std::shared_ptr<File> File::make_image(AccountingPtr accounting, std::string_view bytes,
                                       std::shared_ptr<const void> owner) {
  auto file = std::make_shared<File>(std::move(accounting), true);
  file->is_image_ = true;
  file->image_ = bytes;
  file->image_owner_ = std::move(owner);
  return file;
}

File::File(AccountingPtr accounting, bool read_only)
    : Node(NodeType::kRegularFile, std::move(accounting), read_only) {}

File::File(const File& source, AccountingPtr accounting)
    : Node(source, std::move(accounting)),
      is_image_(source.is_image_),
      data_(source.data_),
      image_(source.image_),
      image_owner_(source.image_owner_) {
  this->accounting()->used_bytes += data_.size();
}

File::~File() { accounting()->used_bytes -= data_.size(); }

uint64_t File::read(uint64_t offset, std::span<uint8_t> out) const {
  std::string_view bytes = contents();
  if (offset >= bytes.size()) return 0;
  uint64_t n = std::min<uint64_t>(out.size(), bytes.size() - offset);
  std::memcpy(out.data(), bytes.data() + offset, n);
  return n;
}

Status File::write(uint64_t offset, std::span<const ConstBytes> chunks) {
  if (is_image_ || read_only()) return Status::kReadOnly;
  uint64_t total = 0;
  for (const auto& chunk : chunks) {
    if (chunk.size() > kMaxFileOffset - total) return Status::kFileTooBig;
    total += chunk.size();
  }
  if (offset > kMaxFileOffset || total > kMaxFileOffset - offset) return Status::kFileTooBig;
  uint64_t end = offset + total;
  if (end > data_.size()) {
    Status status = resize(end);
    if (status != Status::kOk) return status;
  }
  uint64_t pos = offset;
  for (const auto& chunk : chunks) {
    if (!chunk.empty()) std::memcpy(data_.data() + pos, chunk.data(), chunk.size());
    pos += chunk.size();
  }
  ++version_;
  touch();
  return Status::kOk;
}

Status File::resize(uint64_t new_size) {
  if (is_image_ || read_only()) return Status::kReadOnly;
  if (new_size > kMaxFileOffset) return Status::kFileTooBig;
  uint64_t old_size = data_.size();
  if (new_size > old_size) {
    uint64_t delta = new_size - old_size;
    if (!accounting()->can_add_bytes(delta)) return Status::kNoSpace;
    if (new_size > data_.max_size()) return Status::kNoSpace;
    data_.resize(new_size);  // may throw bad_alloc: nothing is charged yet
    accounting()->used_bytes += delta;
  } else if (new_size < old_size) {
    data_.resize(new_size);
    // Give memory back after a large shrink; the quota is about bytes, the host about capacity.
    if (data_.capacity() > 2 * new_size + 4096) data_.shrink_to_fit();
    accounting()->used_bytes -= old_size - new_size;
  }
  ++version_;
  touch();
  return Status::kOk;
}

// ---- Symlink ----

Symlink::Symlink(AccountingPtr accounting, std::string target)
    : Node(NodeType::kSymlink, std::move(accounting), false), target_(std::move(target)) {
  this->accounting()->used_bytes += target_.size();
}

Symlink::Symlink(const Symlink& source, AccountingPtr accounting)
    : Node(source, std::move(accounting)), target_(source.target_) {
  this->accounting()->used_bytes += target_.size();
}

Symlink::~Symlink() { accounting()->used_bytes -= target_.size(); }

// ---- Directory ----

std::shared_ptr<Directory> Directory::make(AccountingPtr accounting, bool read_only) {
  return std::make_shared<Directory>(std::move(accounting), read_only);
}

Directory::Directory(AccountingPtr accounting, bool read_only)
    : Node(NodeType::kDirectory, std::move(accounting), read_only) {}

Directory::Directory(const Directory& source, AccountingPtr accounting)
    : Node(source, std::move(accounting)),
      next_cookie_(source.next_cookie_),
      removed_(source.removed_) {}

Directory::~Directory() {
  // Tear the subtree down iteratively: recursion through shared_ptr destructors would use host
  // stack proportional to the guest-controlled depth of the tree.
  std::vector<NodePtr> pending;
  auto drain = [&pending](Directory& dir) {
    dir.accounting()->entries -= dir.entries_.size();
    for (auto& [cookie, entry] : dir.entries_) {
      if (entry.node->is_file()) static_cast<File&>(*entry.node).remove_link();
      pending.push_back(std::move(entry.node));
    }
    dir.entries_.clear();
    dir.cookies_.clear();
    dir.subdirectories_ = 0;
  };
  drain(*this);
  while (!pending.empty()) {
    NodePtr node = std::move(pending.back());
    pending.pop_back();
    if (node->is_directory() && node.use_count() == 1) drain(static_cast<Directory&>(*node));
  }
}

NodePtr Directory::find(std::string_view name) const {
  auto it = cookies_.find(name);
  if (it == cookies_.end()) return nullptr;
  return entries_.at(it->second).node;
}

void Directory::insert(std::string name, NodePtr node) {
  insert_at(next_cookie_++, std::move(name), std::move(node));
  touch();
}

void Directory::insert_at(uint64_t cookie, std::string name, NodePtr node) {
  if (node->is_directory()) {
    static_cast<Directory&>(*node).parent_ =
        std::static_pointer_cast<Directory>(shared_from_this());
    ++subdirectories_;
  } else if (node->is_file()) {
    static_cast<File&>(*node).add_link();
  }
  auto [it, inserted] = cookies_.emplace(name, cookie);
  (void)inserted;
  entries_.emplace(cookie, Entry{std::move(name), std::move(node)});
  ++accounting()->entries;
}

NodePtr Directory::erase(std::string_view name) {
  auto it = cookies_.find(name);
  if (it == cookies_.end()) return nullptr;
  auto entry = entries_.find(it->second);
  NodePtr node = std::move(entry->second.node);
  entries_.erase(entry);
  cookies_.erase(it);
  --accounting()->entries;
  if (node->is_directory()) {
    static_cast<Directory&>(*node).parent_.reset();
    --subdirectories_;
  } else if (node->is_file()) {
    static_cast<File&>(*node).remove_link();
  }
  touch();
  return node;
}

void Directory::mark_removed() {
  removed_ = true;
  parent_.reset();
}

// ---- copy_tree ----

namespace {

NodePtr copy_one(const Node& source, const AccountingPtr& accounting) {
  switch (source.type()) {
    case NodeType::kDirectory:
      return std::make_shared<Directory>(static_cast<const Directory&>(source), accounting);
    case NodeType::kRegularFile:
      return std::make_shared<File>(static_cast<const File&>(source), accounting);
    case NodeType::kSymlink:
      return std::make_shared<Symlink>(static_cast<const Symlink&>(source), accounting);
  }
  return nullptr;
}

}  // namespace

NodePtr copy_tree(const NodePtr& source, const AccountingPtr& accounting, NodeMap& map) {
  if (auto found = map.find(source.get()); found != map.end()) return found->second;
  NodePtr copy = copy_one(*source, accounting);
  map.emplace(source.get(), copy);
  std::vector<std::pair<const Directory*, Directory*>> pending;
  if (source->is_directory()) {
    pending.emplace_back(static_cast<const Directory*>(source.get()),
                         static_cast<Directory*>(copy.get()));
  }
  while (!pending.empty()) {
    auto [from, to] = pending.back();
    pending.pop_back();
    for (const auto& [cookie, entry] : from->entries_) {
      NodePtr child;
      if (auto found = map.find(entry.node.get()); found != map.end()) {
        child = found->second;
      } else {
        child = copy_one(*entry.node, accounting);
        map.emplace(entry.node.get(), child);
        if (child->is_directory()) {
          pending.emplace_back(static_cast<const Directory*>(entry.node.get()),
                               static_cast<Directory*>(child.get()));
        }
      }
      to->insert_at(cookie, entry.name, std::move(child));
    }
  }
  return copy;
}

}  // namespace eryx::vfs
