#include "vfs/vfs.h"

#include <string>
#include <vector>

namespace eryx::vfs {
namespace {

AccountingPtr make_accounting(const VfsOptions& options) {
  auto accounting = std::make_shared<Accounting>();
  accounting->quota_bytes = options.quota_bytes;
  accounting->max_entries = options.max_entries;
  return accounting;
}

DirPtr as_dir(const NodePtr& node) { return std::static_pointer_cast<Directory>(node); }

}  // namespace

Vfs::Vfs(VfsOptions options) : Vfs(options, NoRoot{}) {
  root_ = Directory::make(accounting_, /*read_only=*/true);
}

Vfs::Vfs(VfsOptions options, NoRoot) : options_(options), accounting_(make_accounting(options)) {}

Vfs::~Vfs() = default;

// ---- Resolution ----

Result<Location> Vfs::resolve(const DirPtr& start, std::string_view path, bool follow_final) const {
  auto parsed = parse_path(path);
  if (!parsed.ok()) return parsed.status();
  // Components still to walk, last one first; symlink targets are pushed in front of the rest.
  std::vector<std::string> pending(parsed->components.rbegin(), parsed->components.rend());
  DirPtr current = parsed->absolute || !start ? root_ : start;
  bool trailing_slash = parsed->trailing_slash;
  int hops = 0;

  auto expand = [&](const Symlink& link) -> Status {
    if (++hops > kMaxSymlinkHops) return Status::kLoop;
    if (link.target().empty()) return Status::kNotFound;
    auto target = parse_path(link.target());
    if (!target.ok()) return target.status();
    if (target->absolute) current = root_;
    if (pending.empty() && target->trailing_slash) trailing_slash = true;
    for (auto it = target->components.rbegin(); it != target->components.rend(); ++it) {
      pending.emplace_back(*it);
    }
    return Status::kOk;
  };

  while (!pending.empty()) {
    std::string name = std::move(pending.back());
    pending.pop_back();
    bool last = pending.empty();
    if (name == "." || name == "..") {
      if (name == "..") {
        // The root is its own parent: nothing above it exists.
        DirPtr up = current == root_ ? root_ : current->parent();
        if (!up) return Status::kNotFound;  // a removed directory has no ".."
        current = std::move(up);
      }
      if (last) return Location{nullptr, {}, current, trailing_slash};
      continue;
    }
    NodePtr child = current->find(name);
    if (last) {
      if (child && child->is_symlink() && (follow_final || trailing_slash)) {
        Status status = expand(static_cast<const Symlink&>(*child));
        if (status != Status::kOk) return status;
        if (pending.empty()) return Location{nullptr, {}, current, trailing_slash};
        continue;
      }
      return Location{current, std::move(name), std::move(child), trailing_slash};
    }
    if (!child) return Status::kNotFound;
    if (child->is_directory()) {
      current = as_dir(child);
    } else if (child->is_symlink()) {
      Status status = expand(static_cast<const Symlink&>(*child));
      if (status != Status::kOk) return status;
    } else {
      return Status::kNotDirectory;
    }
  }
  // No components at all ("/"): the start of the walk itself.
  return Location{nullptr, {}, current, trailing_slash};
}

Result<NodePtr> Vfs::lookup(const DirPtr& start, std::string_view path, bool follow_final) const {
  auto location = resolve(start, path, follow_final);
  if (!location.ok()) return location.status();
  if (!location->node) return Status::kNotFound;
  if (location->must_be_directory && !location->node->is_directory()) {
    return Status::kNotDirectory;
  }
  return location->node;
}

Status Vfs::check_new_entry(const Directory& parent) const {
  if (parent.removed()) return Status::kNotFound;
  if (parent.read_only()) return Status::kReadOnly;
  if (!accounting_->can_add_entry()) return Status::kNoSpace;
  return Status::kOk;
}

// ---- Guest operations ----

Result<NodePtr> Vfs::open(const DirPtr& start, std::string_view path, const OpenOptions& options) {
  bool exclusive_create = options.create && options.exclusive;
  auto location = resolve(start, path, options.follow && !exclusive_create);
  if (!location.ok()) return location.status();
  NodePtr node = location->node;
  if (!node) {
    if (!options.create) return Status::kNotFound;
    if (location->must_be_directory) return Status::kIsDirectory;
    if (options.directory) return Status::kInvalid;
    Status status = check_new_entry(*location->parent);
    if (status != Status::kOk) return status;
    auto file = File::make_writable(accounting_);
    location->parent->insert(location->name, file);
    return NodePtr(file);
  }
  if (exclusive_create) return Status::kExists;
  if (node->is_symlink()) return Status::kLoop;  // O_NOFOLLOW on a symlink
  if ((options.directory || location->must_be_directory) && !node->is_directory()) {
    return Status::kNotDirectory;
  }
  if (node->is_directory()) {
    if (options.write || options.truncate) return Status::kIsDirectory;
    return node;
  }
  auto& file = static_cast<File&>(*node);
  if ((options.write || options.truncate) && file.read_only()) return Status::kReadOnly;
  if (options.truncate && file.size() != 0) {
    Status status = file.resize(0);
    if (status != Status::kOk) return status;
  }
  return node;
}

Status Vfs::create_directory(const DirPtr& start, std::string_view path) {
  auto location = resolve(start, path, false);
  if (!location.ok()) return location.status();
  if (location->node || !location->parent) return Status::kExists;
  Status status = check_new_entry(*location->parent);
  if (status != Status::kOk) return status;
  location->parent->insert(location->name, Directory::make(accounting_, false));
  return Status::kOk;
}

Status Vfs::remove_directory(const DirPtr& start, std::string_view path) {
  auto location = resolve(start, path, false);
  if (!location.ok()) return location.status();
  if (!location->parent) return location->node == root_ ? Status::kBusy : Status::kInvalid;
  NodePtr node = location->node;
  if (!node) return Status::kNotFound;
  if (!node->is_directory()) return Status::kNotDirectory;
  auto dir = as_dir(node);
  if (!dir->empty()) return Status::kNotEmpty;
  if (location->parent->read_only() || dir->read_only()) return Status::kReadOnly;
  location->parent->erase(location->name);
  dir->mark_removed();
  return Status::kOk;
}

Status Vfs::unlink_file(const DirPtr& start, std::string_view path) {
  auto location = resolve(start, path, false);
  if (!location.ok()) return location.status();
  if (!location->parent) return Status::kIsDirectory;
  NodePtr node = location->node;
  if (!node) return Status::kNotFound;
  if (node->is_directory()) return Status::kIsDirectory;
  if (location->must_be_directory) return Status::kNotDirectory;
  if (location->parent->read_only() || node->read_only()) return Status::kReadOnly;
  location->parent->erase(location->name);
  return Status::kOk;
}

Status Vfs::rename(const DirPtr& old_start, std::string_view old_path, const DirPtr& new_start,
                   std::string_view new_path) {
  auto from = resolve(old_start, old_path, false);
  if (!from.ok()) return from.status();
  if (!from->parent) return Status::kBusy;
  if (!from->node) return Status::kNotFound;
  auto to = resolve(new_start, new_path, false);
  if (!to.ok()) return to.status();
  if (!to->parent) return Status::kBusy;

  NodePtr source = from->node;
  NodePtr target = to->node;
  bool source_is_dir = source->is_directory();
  if ((from->must_be_directory || to->must_be_directory) && !source_is_dir) {
    return Status::kNotDirectory;
  }
  if (from->parent->read_only() || to->parent->read_only() || source->read_only()) {
    return Status::kReadOnly;
  }
  if (to->parent->removed()) return Status::kNotFound;
  if (target == source) return Status::kOk;  // same node (or hard links to it): nothing to do
  if (source_is_dir) {
    // A directory cannot move below itself.
    for (DirPtr dir = to->parent; dir; dir = dir->parent()) {
      if (dir == source) return Status::kInvalid;
    }
    if (target) {
      if (!target->is_directory()) return Status::kNotDirectory;
      if (!as_dir(target)->empty()) return Status::kNotEmpty;
    }
  } else if (target && target->is_directory()) {
    return Status::kIsDirectory;
  }
  if (target && target->read_only()) return Status::kReadOnly;

  if (target) {
    to->parent->erase(to->name);
    if (target->is_directory()) as_dir(target)->mark_removed();
  }
  from->parent->erase(from->name);
  to->parent->insert(to->name, std::move(source));
  return Status::kOk;
}

Status Vfs::link(const DirPtr& old_start, std::string_view old_path, bool follow,
                 const DirPtr& new_start, std::string_view new_path) {
  auto source = lookup(old_start, old_path, follow);
  if (!source.ok()) return source.status();
  if ((*source)->is_directory()) return Status::kPermission;
  auto to = resolve(new_start, new_path, false);
  if (!to.ok()) return to.status();
  if (to->node || !to->parent) return Status::kExists;
  if (to->must_be_directory) return Status::kNotFound;
  Status status = check_new_entry(*to->parent);
  if (status != Status::kOk) return status;
  // A read-only image lives on its own "device": it cannot gain names in writable places.
  if ((*source)->read_only()) return Status::kCrossDevice;
  to->parent->insert(to->name, *source);
  return Status::kOk;
}

Status Vfs::symlink(std::string_view target, const DirPtr& start, std::string_view path) {
  if (target.empty()) return Status::kNotFound;
  if (target.size() > kMaxPathLength) return Status::kNameTooLong;
  if (target.find('\0') != std::string_view::npos) return Status::kInvalid;
  auto location = resolve(start, path, false);
  if (!location.ok()) return location.status();
  if (location->node || !location->parent) return Status::kExists;
  if (location->must_be_directory) return Status::kNotFound;
  Status status = check_new_entry(*location->parent);
  if (status != Status::kOk) return status;
  if (!accounting_->can_add_bytes(target.size())) return Status::kNoSpace;
  location->parent->insert(location->name,
                           std::make_shared<Symlink>(accounting_, std::string(target)));
  return Status::kOk;
}

Result<std::string> Vfs::readlink(const DirPtr& start, std::string_view path) const {
  auto location = resolve(start, path, false);
  if (!location.ok()) return location.status();
  if (!location->node) return Status::kNotFound;
  if (!location->node->is_symlink()) return Status::kInvalid;
  return static_cast<const Symlink&>(*location->node).target();
}

// ---- Host side ----

Result<DirPtr> Vfs::host_directory(std::string_view path, bool create) {
  auto parsed = parse_path(path);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->absolute) return Status::kInvalid;
  DirPtr current = root_;
  for (std::string_view name : parsed->components) {
    if (name == "." || name == "..") return Status::kInvalid;
    NodePtr child = current->find(name);
    if (!child) {
      if (!create) return Status::kNotFound;
      if (!accounting_->can_add_entry()) return Status::kNoSpace;
      auto dir = Directory::make(accounting_, /*read_only=*/true);
      current->insert(std::string(name), dir);
      current = std::move(dir);
    } else if (child->is_directory()) {
      current = as_dir(child);
    } else {
      return Status::kNotDirectory;
    }
  }
  return current;
}

Result<Location> Vfs::host_location(std::string_view path) {
  auto parsed = parse_path(path);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->absolute || parsed->components.empty() || parsed->trailing_slash) {
    return Status::kInvalid;
  }
  std::string_view name = parsed->components.back();
  if (name == "." || name == "..") return Status::kInvalid;
  std::string_view dir_path = path.substr(0, path.size() - name.size());
  auto dir = host_directory(dir_path, /*create=*/true);
  if (!dir.ok()) return dir.status();
  NodePtr node = (*dir)->find(name);
  return Location{*dir, std::string(name), std::move(node), false};
}

Status Vfs::make_dir(std::string_view path, Access access) {
  auto dir = host_directory(path, /*create=*/true);
  if (!dir.ok()) return dir.status();
  (*dir)->set_read_only(access == Access::kReadOnly);
  return Status::kOk;
}

Status Vfs::add_image_file(std::string_view path, std::shared_ptr<const std::string> bytes) {
  if (!bytes) return Status::kInvalid;
  std::string_view view(*bytes);
  return add_image_file(path, view, std::move(bytes));
}

Status Vfs::add_image_file(std::string_view path, std::string_view bytes,
                           std::shared_ptr<const void> owner) {
  auto location = host_location(path);
  if (!location.ok()) return location.status();
  if (location->node) return Status::kExists;
  if (!accounting_->can_add_entry()) return Status::kNoSpace;
  location->parent->insert(location->name, File::make_image(accounting_, bytes, std::move(owner)));
  return Status::kOk;
}

Status Vfs::write_file(std::string_view path, std::string_view data) {
  auto location = host_location(path);
  if (!location.ok()) return location.status();
  ConstBytes chunk(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  std::span<const ConstBytes> chunks(&chunk, 1);
  NodePtr node = location->node;
  if (node && node->is_directory()) return Status::kIsDirectory;
  if (node && node->is_file() && !static_cast<File&>(*node).is_image()) {
    // Rewrite in place: the inode (and any open fd) stays the same file, like O_TRUNC.
    auto& file = static_cast<File&>(*node);
    Status status = file.resize(0);
    if (status == Status::kOk) status = file.write(0, chunks);
    return status;
  }
  if (!node && !accounting_->can_add_entry()) return Status::kNoSpace;
  auto file = File::make_writable(accounting_);
  Status status = file->write(0, chunks);
  if (status != Status::kOk) return status;
  if (node) location->parent->erase(location->name);
  location->parent->insert(location->name, std::move(file));
  return Status::kOk;
}

std::optional<std::string> Vfs::read_file(std::string_view path) const {
  auto node = lookup(root_, path, /*follow_final=*/true);
  if (!node.ok() || !(*node)->is_file()) return std::nullopt;
  return std::string(static_cast<const File&>(**node).contents());
}

// ---- Copies ----

std::shared_ptr<Vfs> Vfs::clone(NodeMap& map) const {
  auto copy = std::shared_ptr<Vfs>(new Vfs(options_, NoRoot{}));
  copy->accounting_->next_inode = accounting_->next_inode;
  copy->root_ = as_dir(copy_tree(root_, copy->accounting_, map));
  return copy;
}

NodePtr Vfs::adopt_copy(const NodePtr& node, NodeMap& map) const {
  return copy_tree(node, accounting_, map);
}

}  // namespace eryx::vfs
