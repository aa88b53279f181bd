#include "wasi/context.h"

#include <stdexcept>

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
                                     .node = vfs_->root(),
                                     .rights_base = abi::kRightsAll,
                                     .rights_inheriting = abi::kRightsAll,
                                     .preopen_name = "/"});
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
  // Open fds follow their nodes into the copy; nodes no longer in the tree (an unlinked file
  // still open) are copied too, once each.
  fds_.for_each([&](FdEntry& entry) {
    if (entry.node) entry.node = vfs_->adopt_copy(entry.node, map);
  });
  stdout_.set_handler(nullptr);
  stderr_.set_handler(nullptr);
}

WasiContext::~WasiContext() = default;

std::unique_ptr<WasiContext> WasiContext::clone() const {
  return std::unique_ptr<WasiContext>(new WasiContext(*this, CloneTag{}));
}

Errno WasiContext::path_at(GuestMemory& mem, uint32_t fd, uint32_t path, uint32_t path_len,
                           vfs::DirPtr& dir, std::string_view& name) const {
  if (Errno e = directory_fd(fd, dir); e != Errno::kSuccess) return e;
  return detail::read_path(mem, path, path_len, name);
}

Errno WasiContext::directory_fd(uint32_t fd, vfs::DirPtr& out) const {
  const FdEntry* entry = fds_.get(fd);
  if (!entry) return Errno::kBadf;
  if (entry->kind != FdKind::kDirectory) return Errno::kNotdir;
  out = std::static_pointer_cast<vfs::Directory>(entry->node);
  return Errno::kSuccess;
}

}  // namespace eryx::wasi
