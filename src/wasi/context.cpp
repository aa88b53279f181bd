#include "wasi/context.h"

#include <stdexcept>
#include <string>

#include "wasi/abi.h"
#include "wasi/syscall_support.h"

namespace eryx::wasi {
namespace {

void validate(const WasiOptions& options) {
  auto has_nul = [](std::string_view s) { return s.find('\0') != std::string_view::npos; };
  for (const auto& arg : options.args) {
    if (has_nul(arg)) throw std::invalid_argument("eryx: WASI argument contains NUL");
  }
  for (const auto& [name, value] : options.env) {
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name) || has_nul(value)) {
      throw std::invalid_argument("eryx: invalid WASI environment variable name or value");
    }
  }
  if (options.max_fds < 4) throw std::invalid_argument("eryx: max_fds must be at least 4");
  if (options.clock_resolution_ns == 0) {
    throw std::invalid_argument("eryx: clock_resolution_ns must be positive");
  }
}

// Rights of the standard streams: no FD_SEEK/FD_TELL (they are streams), and with filetype
// UNKNOWN wasi-libc's isatty() is false.
constexpr uint64_t kStdinRights = abi::kRightFdRead | abi::kRightPollFdReadwrite |
                                  abi::kRightFdFilestatGet | abi::kRightFdFdstatSetFlags;
constexpr uint64_t kStdoutRights = abi::kRightFdWrite | abi::kRightPollFdReadwrite |
                                   abi::kRightFdFilestatGet | abi::kRightFdFdstatSetFlags;

}  // namespace

WasiContext::WasiContext(WasiOptions options)
    : options_(std::move(options)),
      fds_(options_.max_fds),
      stdout_(options_.stdout_max_bytes, std::move(options_.on_stdout)),
      stderr_(options_.stderr_max_bytes, std::move(options_.on_stderr)),
      interrupt_check_(std::move(options_.interrupt_check)),
      wake_check_(std::move(options_.wake_check)),
      start_(std::chrono::steady_clock::now()) {
  validate(options_);
  vfs_ = options_.vfs ? std::move(options_.vfs) : std::make_shared<vfs::Vfs>();
  options_.vfs.reset();
  root_mount_ = vfs::TreeMount::make(vfs_);
  auto mounts = std::move(options_.mounts);
  options_.mounts.clear();
  options_.on_stdout = nullptr;
  options_.on_stderr = nullptr;
  options_.interrupt_check = nullptr;
  options_.wake_check = nullptr;

  fds_.insert_at(0, FdEntry{.kind = FdKind::kStdin, .rights_base = kStdinRights});
  fds_.insert_at(1, FdEntry{.kind = FdKind::kStdout, .rights_base = kStdoutRights});
  fds_.insert_at(2, FdEntry{.kind = FdKind::kStderr, .rights_base = kStdoutRights});
  // The preopen carries every right to inherit: wasi-libc's openat masks the rights it asks for
  // with the directory's inheriting rights.
  fds_.insert_at(kPreopenFd, FdEntry{.kind = FdKind::kDirectory,
                                     .handle = *root_mount_->open_root(),
                                     .rights_base = abi::kRightsAll,
                                     .rights_inheriting = abi::kRightsAll,
                                     .preopen_name = "/"});
  for (auto& point : mounts) add_mount(std::move(point.guest_path), std::move(point.mount));
  preopens_changed_ = false;  // a new guest lists its preopens when it first needs them
}

WasiContext::WasiContext(const WasiContext& source, CloneTag)
    : options_(source.options_),
      fds_(source.fds_),
      stdout_(source.stdout_),
      stderr_(source.stderr_),
      exit_code_(source.exit_code_),
      start_(source.start_) {
  vfs::NodeMap map;
  vfs_ = source.vfs_->clone(map);
  root_mount_ = vfs::TreeMount::make(vfs_);
  mounts_ = source.mounts_;
  preopens_changed_ = source.preopens_changed_;
  // Open fds of the private tree follow their nodes into the copy; nodes no longer in the tree
  // (an unlinked file still open) are copied too, once each. Fds of other mounts share the handle.
  fds_.for_each([&](FdEntry& entry) {
    if (!entry.handle || &entry.handle->mount() != source.root_mount_.get()) return;
    const auto& node = static_cast<const vfs::TreeHandle&>(*entry.handle).node();
    entry.handle = *root_mount_->handle_for(vfs_->adopt_copy(node, map));
  });
  stdout_.set_handler(nullptr);
  stderr_.set_handler(nullptr);
}

WasiContext::~WasiContext() = default;

std::unique_ptr<WasiContext> WasiContext::clone() const {
  return std::unique_ptr<WasiContext>(new WasiContext(*this, CloneTag{}));
}

Errno WasiContext::path_at(GuestMemory& mem, uint32_t fd, uint32_t path, uint32_t path_len,
                           vfs::Handle*& dir, std::string_view& name) const {
  if (Errno e = directory_fd(fd, dir); e != Errno::kSuccess) return e;
  return detail::read_path(mem, path, path_len, name);
}

Errno WasiContext::directory_fd(uint32_t fd, vfs::Handle*& out) const {
  const FdEntry* entry = fds_.get(fd);
  if (!entry) return Errno::kBadf;
  if (entry->kind != FdKind::kDirectory) return Errno::kNotdir;
  out = entry->handle.get();
  return Errno::kSuccess;
}

uint64_t WasiContext::device_of(const vfs::Mount& mount) const {
  for (size_t i = 0; i < mounts_.size(); ++i) {
    if (mounts_[i].mount.get() == &mount) return i + 2;
  }
  return 1;
}

abi::Filestat WasiContext::to_filestat(const vfs::FileStat& stat, const vfs::Mount& mount) const {
  abi::Filestat out{};
  out.dev = device_of(mount);
  out.ino = stat.inode;
  out.filetype = detail::filetype_of(stat.type);
  out.nlink = stat.nlink;
  out.size = stat.size;
  out.atim = stat.atim;
  out.mtim = stat.mtim;
  out.ctim = stat.ctim;
  return out;
}

bool WasiContext::is_mount_preopen(const FdEntry& entry) const {
  return !entry.preopen_name.empty() && entry.handle && &entry.handle->mount() != root_mount_.get();
}

void WasiContext::add_mount(std::string guest_path, vfs::MountPtr mount) {
  if (!mount) throw std::invalid_argument("eryx: a mount needs a filesystem");
  auto parsed = vfs::parse_path(guest_path);
  bool canonical = parsed.ok() && parsed->absolute && !parsed->trailing_slash &&
                   !parsed->components.empty() && guest_path.find("//") == std::string::npos;
  if (canonical) {
    for (auto name : parsed->components) canonical = canonical && name != "." && name != "..";
  }
  if (!canonical) {
    throw std::invalid_argument("eryx: mount path '" + guest_path +
                                "' must be an absolute path like /data (no '.', '..', '//' or "
                                "trailing '/', not '/')");
  }
  for (const auto& point : mounts_) {
    if (point.guest_path == guest_path) {
      throw std::invalid_argument("eryx: two mounts at " + guest_path);
    }
  }
  // The mount point's ancestors must be the host's read-only layout: a writable directory's
  // contents are the guest's (they travel in snapshots and copies, and the guest could remove
  // the mount point).
  std::string prefix;
  vfs::NodePtr node = vfs_->root();
  for (auto name : parsed->components) {
    if (!node || !node->is_directory()) {
      if (node) throw std::invalid_argument("eryx: mount path " + guest_path + " crosses a file");
      break;
    }
    if (!node->read_only()) {
      throw std::invalid_argument("eryx: mount path " + guest_path +
                                  " lies below a writable directory of the sandbox (" +
                                  (prefix.empty() ? "/" : prefix) + ")");
    }
    prefix += "/";
    prefix += name;
    node = static_cast<const vfs::Directory&>(*node).find(name);
  }
  if (node && !node->is_directory()) {
    throw std::invalid_argument("eryx: mount path " + guest_path + " is a file in the sandbox");
  }
  auto fd = static_cast<uint32_t>(kPreopenFd + 1 + mounts_.size());
  if (fds_.get(fd)) {
    throw std::logic_error("eryx: cannot add a mount at " + guest_path + ": fd " +
                           std::to_string(fd) + " is already open");
  }
  auto root = mount->open_root();
  if (!root.ok()) {
    throw std::invalid_argument("eryx: cannot open the root of the mount at " + guest_path + ": " +
                                std::string(vfs::to_string(root.status())));
  }
  if (!node && vfs_->make_dir(guest_path, vfs::Access::kReadOnly) != vfs::Status::kOk) {
    throw std::invalid_argument("eryx: cannot make the mount point " + guest_path);
  }
  if (!fds_.insert_at(fd, FdEntry{.kind = FdKind::kDirectory,
                                  .handle = std::move(*root),
                                  .rights_base = abi::kRightsAll,
                                  .rights_inheriting = abi::kRightsAll,
                                  .preopen_name = guest_path})) {
    throw std::invalid_argument("eryx: too many mounts for max_fds");
  }
  mounts_.push_back({std::move(guest_path), std::move(mount)});
  preopens_changed_ = true;
}

}  // namespace eryx::wasi
