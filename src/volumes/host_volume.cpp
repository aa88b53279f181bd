#include "volumes/host_volume.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>

namespace eryx::volumes {
namespace {

constexpr uint64_t kMaxOffset = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
constexpr size_t kMaxPath = 4096;  // PATH_MAX, terminating NUL included

FileType type_of(mode_t mode) {
  if (S_ISDIR(mode)) return FileType::kDirectory;
  if (S_ISREG(mode)) return FileType::kRegularFile;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  if (S_ISBLK(mode)) return FileType::kBlockDevice;
  if (S_ISCHR(mode)) return FileType::kCharacterDevice;
  return FileType::kOther;
}

FileType type_of_dirent(unsigned char d_type) {
  switch (d_type) {
    case DT_DIR:
      return FileType::kDirectory;
    case DT_REG:
      return FileType::kRegularFile;
    case DT_LNK:
      return FileType::kSymlink;
    case DT_BLK:
      return FileType::kBlockDevice;
    case DT_CHR:
      return FileType::kCharacterDevice;
    default:
      return FileType::kOther;
  }
}

uint64_t ns_of(const timespec& t) {
  if (t.tv_sec < 0) return 0;
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

FileStat stat_of(const struct stat& st) {
  FileStat out;
  out.type = type_of(st.st_mode);
  out.dev = st.st_dev;
  out.ino = st.st_ino;
  out.nlink = st.st_nlink;
  out.size = st.st_size < 0 ? 0 : static_cast<uint64_t>(st.st_size);
  out.atim_ns = ns_of(st.st_atim);
  out.mtim_ns = ns_of(st.st_mtim);
  out.ctim_ns = ns_of(st.st_ctim);
  return out;
}

timespec timespec_of(TimeSpec t) {
  switch (t.kind) {
    case TimeSpec::Kind::kOmit:
      return {0, UTIME_OMIT};
    case TimeSpec::Kind::kNow:
      return {0, UTIME_NOW};
    case TimeSpec::Kind::kSet:
      break;
  }
  const uint64_t max_seconds = static_cast<uint64_t>(std::numeric_limits<time_t>::max());
  const uint64_t seconds = std::min<uint64_t>(t.ns / 1000000000ull, max_seconds);
  return {static_cast<time_t>(seconds), static_cast<long>(t.ns % 1000000000ull)};
}

Status errno_status() { return status_from_errno(errno); }

bool is_dot_or_dotdot(std::string_view name) { return name == "." || name == ".."; }

// At most IOV_MAX chunks go to the kernel in one call: a shorter count is a valid answer.
template <typename Chunk>
std::vector<iovec> iovecs_of(std::span<const Chunk> chunks, uint64_t& total) {
  std::vector<iovec> iov;
  total = 0;
  for (const auto& chunk : chunks) {
    if (iov.size() == IOV_MAX) break;
    if (chunk.empty()) continue;
    iov.push_back({const_cast<uint8_t*>(chunk.data()), chunk.size()});
    total += chunk.size();
  }
  return iov;
}

Status check_path(std::string_view path) {
  if (path.empty()) return Status::kNotFound;
  if (path.find('\0') != std::string_view::npos) return Status::kInvalid;
  if (path.size() >= kMaxPath) return Status::kNameTooLong;
  return Status::kOk;
}

}  // namespace

struct HostVolume::ParentAndName {
  UniqueFd parent;
  std::string name;
  bool trailing_slash = false;
  bool is_root = false;  // the path was "/"
};

// ---- Handle ----

Handle::Handle(std::shared_ptr<HostVolume> volume, UniqueFd fd, FileType type, std::string path)
    : volume_(std::move(volume)), fd_(std::move(fd)), type_(type), path_(std::move(path)) {}

Result<FileStat> Handle::stat() const {
  struct stat st{};
  if (fstat(fd_.get(), &st) != 0) return errno_status();
  return stat_of(st);
}

Result<uint64_t> Handle::read_at(uint64_t offset, std::span<const MutableChunk> chunks) const {
  if (is_directory()) return Status::kIsDirectory;
  if (offset > kMaxOffset) return Status::kInvalid;
  uint64_t total = 0;
  auto iov = iovecs_of(chunks, total);
  if (iov.empty()) return uint64_t{0};
  ssize_t n;
  do {
    n = preadv(fd_.get(), iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno_status();
  return static_cast<uint64_t>(n);
}

Result<uint64_t> Handle::write_at(uint64_t offset, std::span<const ConstChunk> chunks) {
  if (volume_->read_only()) return Status::kReadOnly;
  if (is_directory()) return Status::kIsDirectory;
  uint64_t total = 0;
  auto iov = iovecs_of(chunks, total);
  if (offset > kMaxOffset || total > kMaxOffset - offset) return Status::kFileTooBig;
  if (iov.empty()) return uint64_t{0};
  struct stat st{};
  if (fstat(fd_.get(), &st) != 0) return errno_status();
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t end = offset + total;
  const uint64_t growth = end > size ? end - size : 0;
  // Charged before writing, so concurrent writers cannot all pass a check and overshoot.
  if (!volume_->charge(growth)) return Status::kNoSpace;
  // pwritev may write less than asked (a signal, a full disk): go on from where it stopped.
  uint64_t written = 0;
  size_t first = 0;
  while (first < iov.size()) {
    ssize_t n = pwritev(fd_.get(), iov.data() + first, static_cast<int>(iov.size() - first),
                        static_cast<off_t>(offset + written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const Status status = n < 0 ? errno_status() : Status::kIo;
      const uint64_t written_end = offset + written;
      volume_->refund(growth - (written_end > size ? std::min(growth, written_end - size) : 0));
      if (written > 0) return written;
      return status;
    }
    written += static_cast<uint64_t>(n);
    for (size_t left = static_cast<size_t>(n); left > 0 && first < iov.size();) {
      if (left >= iov[first].iov_len) {
        left -= iov[first].iov_len;
        ++first;
      } else {
        iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
        left = 0;
      }
    }
  }
  return written;
}

Result<uint64_t> Handle::append(std::span<const ConstChunk> chunks) {
  if (volume_->read_only()) return Status::kReadOnly;
  std::lock_guard lock(volume_->append_mutex_);
  struct stat st{};
  if (fstat(fd_.get(), &st) != 0) return errno_status();
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  auto written = write_at(size, chunks);
  if (!written.ok()) return written.status();
  return size + *written;
}

Status Handle::truncate(uint64_t new_size) {
  if (volume_->read_only()) return Status::kReadOnly;
  if (is_directory()) return Status::kIsDirectory;
  if (new_size > kMaxOffset) return Status::kFileTooBig;
  struct stat st{};
  if (fstat(fd_.get(), &st) != 0) return errno_status();
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t growth = new_size > size ? new_size - size : 0;
  if (!volume_->charge(growth)) return Status::kNoSpace;
  if (ftruncate(fd_.get(), static_cast<off_t>(new_size)) != 0) {
    const Status status = errno_status();
    volume_->refund(growth);
    return status;
  }
  if (new_size < size) volume_->refund(size - new_size);
  return Status::kOk;
}

Status Handle::allocate(uint64_t offset, uint64_t len) {
  if (volume_->read_only()) return Status::kReadOnly;
  if (is_directory()) return Status::kIsDirectory;
  if (offset > kMaxOffset || len > kMaxOffset - offset) return Status::kFileTooBig;
  struct stat st{};
  if (fstat(fd_.get(), &st) != 0) return errno_status();
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t end = offset + len;
  if (end <= size) return Status::kOk;
  if (!volume_->charge(end - size)) return Status::kNoSpace;
  int error = posix_fallocate(fd_.get(), static_cast<off_t>(offset), static_cast<off_t>(len));
  if (error != 0) {
    volume_->refund(end - size);
    return status_from_errno(error);
  }
  return Status::kOk;
}

Status Handle::set_times(TimeSpec atim, TimeSpec mtim) {
  if (volume_->read_only()) return Status::kReadOnly;
  const timespec times[2] = {timespec_of(atim), timespec_of(mtim)};
  if (futimens(fd_.get(), times) != 0) return errno_status();
  return Status::kOk;
}

Status Handle::sync() {
  if (fsync(fd_.get()) != 0) return errno_status();
  return Status::kOk;
}

Result<std::vector<DirEntry>> Handle::read_dir() const {
  if (!is_directory()) return Status::kNotDirectory;
  // A fresh open description, so the listing always starts at the beginning and concurrent
  // listings of one handle do not share a position.
  int fd = openat(fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status();
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    const Status status = errno_status();
    close(fd);
    return status;
  }
  std::vector<DirEntry> entries;
  errno = 0;
  while (const dirent* entry = readdir(dir)) {
    std::string_view name(entry->d_name);
    if (is_dot_or_dotdot(name)) continue;
    FileType type = type_of_dirent(entry->d_type);
    if (entry->d_type == DT_UNKNOWN) {
      struct stat st{};
      if (fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        type = type_of(st.st_mode);
      }
    }
    entries.push_back({std::string(name), type, entry->d_ino});
  }
  const int error = errno;
  closedir(dir);
  if (error != 0) return status_from_errno(error);
  return entries;
}

Status Handle::read_dir_from(uint64_t cookie, const DirVisitor& visit) const {
  if (!is_directory()) return Status::kNotDirectory;
  struct stat self{};
  if (fstat(fd_.get(), &self) != 0) return errno_status();
  if (cookie == 0 && !visit(1, self.st_ino, FileType::kDirectory, ".")) return Status::kOk;
  if (cookie <= 1 && !visit(2, 0, FileType::kDirectory, "..")) return Status::kOk;
  // Our own open description: its position is the host's offset the cookie names.
  UniqueFd fd(openat(fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return errno_status();
  const uint64_t position = cookie <= 2 ? 0 : cookie - 3;
  if (position > kMaxOffset) return Status::kInvalid;
  if (lseek(fd.get(), static_cast<off_t>(position), SEEK_SET) < 0) return errno_status();
  alignas(8) char buffer[16384];
  for (;;) {
    long n = syscall(SYS_getdents64, fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status();
    if (n == 0) return Status::kOk;
    for (long at = 0; at < n;) {
      const auto* entry = reinterpret_cast<const struct dirent64*>(buffer + at);
      at += entry->d_reclen;
      std::string_view name(entry->d_name);
      if (is_dot_or_dotdot(name)) continue;
      FileType type = type_of_dirent(entry->d_type);
      if (entry->d_type == DT_UNKNOWN) {
        struct stat st{};
        if (fstatat(fd.get(), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
          type = type_of(st.st_mode);
        }
      }
      const uint64_t next = static_cast<uint64_t>(entry->d_off) + 3;
      if (!visit(next, entry->d_ino, type, name)) return Status::kOk;
    }
  }
}

// ---- HostVolume ----

HostVolume::HostVolume(std::string host_path, VolumeOptions options, UniqueFd root,
                       std::string file_name)
    : host_path_(std::move(host_path)),
      options_(options),
      root_(std::move(root)),
      file_name_(std::move(file_name)) {}

Result<std::shared_ptr<HostVolume>> HostVolume::open(std::string_view host_path,
                                                     VolumeOptions options) {
  if (host_path.empty() || host_path.find('\0') != std::string_view::npos) return Status::kInvalid;
  if (options.resolver == Resolver::kOpenat2 && !openat2_available()) return Status::kInvalid;
  std::string path(host_path);
  char* real = realpath(path.c_str(), nullptr);
  if (real == nullptr) return errno_status();
  std::string resolved(real);
  free(real);
  struct stat st{};
  if (::stat(resolved.c_str(), &st) != 0) return errno_status();
  if (S_ISDIR(st.st_mode)) {
    int fd = ::open(resolved.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_status();
    return std::shared_ptr<HostVolume>(
        new HostVolume(resolved, options, UniqueFd(fd), std::string()));
  }
  if (!S_ISREG(st.st_mode)) return Status::kInvalid;
  const size_t slash = resolved.rfind('/');
  std::string parent = slash == 0 ? std::string("/") : resolved.substr(0, slash);
  std::string name = resolved.substr(slash + 1);
  int fd = ::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status();
  return std::shared_ptr<HostVolume>(
      new HostVolume(resolved, options, UniqueFd(fd), std::move(name)));
}

bool HostVolume::charge(uint64_t bytes) {
  if (bytes == 0) return true;
  uint64_t used = used_bytes_.load();
  do {
    if (used > options_.quota_bytes || bytes > options_.quota_bytes - used) return false;
  } while (!used_bytes_.compare_exchange_weak(used, used + bytes));
  return true;
}

void HostVolume::refund(uint64_t bytes) {
  if (bytes == 0) return;
  uint64_t used = used_bytes_.load();
  while (!used_bytes_.compare_exchange_weak(used, used > bytes ? used - bytes : 0)) {
  }
}

Result<UniqueFd> HostVolume::open_fd(const Handle* dir, std::string_view path, int flags,
                                     unsigned mode, bool follow) const {
  if (is_file()) return Status::kNotDirectory;
  if (auto s = check_path(path); s != Status::kOk) return s;
  if (dir != nullptr && !dir->is_directory()) return Status::kNotDirectory;
  // From the root, the root is the guest's "/": ".." stays there, absolute paths and symlink
  // targets start there (RESOLVE_IN_ROOT).
  if (dir == nullptr || dir->path().empty() || path.front() == '/') {
    return open_beneath(root_.get(), path, flags, mode, follow, options_.resolver,
                        Confinement::kInRoot);
  }
  auto fd =
      open_beneath(dir->fd(), path, flags, mode, follow, options_.resolver, Confinement::kBeneath);
  if (fd.ok() || fd.status() != Status::kPermission) return fd;
  // The path climbs above `dir` or meets an absolute symlink: resolve it again from the root,
  // through the path `dir` was opened by, still confined to the volume.
  std::string from_root = dir->path() + "/" + std::string(path);
  if (from_root.size() >= kMaxPath) return Status::kNameTooLong;
  return open_beneath(root_.get(), from_root, flags, mode, follow, options_.resolver,
                      Confinement::kInRoot);
}

Result<HostVolume::ParentAndName> HostVolume::parent_of(const Handle* dir,
                                                        std::string_view path) const {
  if (is_file()) return Status::kNotDirectory;
  if (auto s = check_path(path); s != Status::kOk) return s;
  ParentAndName out;
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
    out.trailing_slash = true;
  }
  if (path == "/") {  // the root itself
    out.name = ".";
    out.is_root = true;
    path = ".";
  }
  const size_t slash = path.rfind('/');
  std::string_view parent = slash == std::string_view::npos ? "." : path.substr(0, slash);
  if (out.name.empty()) {
    out.name = std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
  }
  if (parent.empty()) parent = "/";
  auto fd = open_fd(dir, parent, O_PATH | O_DIRECTORY, 0, true);
  if (!fd.ok()) return fd.status();
  out.parent = std::move(*fd);
  return out;
}

Result<HandlePtr> HostVolume::open_root(const OpenFlags& flags) {
  if (!is_file()) {
    OpenFlags as_dir = flags;
    as_dir.directory = true;
    return open(nullptr, ".", as_dir);
  }
  if (flags.directory) return Status::kNotDirectory;
  if (read_only() && (flags.write || flags.create || flags.truncate)) return Status::kReadOnly;
  int oflags = (flags.write || flags.truncate ? O_RDWR : O_RDONLY) | (flags.create ? O_CREAT : 0) |
               (flags.exclusive ? O_EXCL : 0);
  // Only this one name, and never through a symlink someone put in its place.
  int fd = openat(root_.get(), file_name_.c_str(),
                  oflags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0666);
  if (fd < 0) return errno_status();
  UniqueFd owned(fd);
  struct stat st{};
  if (fstat(owned.get(), &st) != 0) return errno_status();
  if (!S_ISREG(st.st_mode)) return Status::kNotSupported;
  if (flags.truncate && st.st_size > 0) {
    if (ftruncate(owned.get(), 0) != 0) return errno_status();
    refund(static_cast<uint64_t>(st.st_size));
  }
  return std::make_shared<Handle>(shared_from_this(), std::move(owned), FileType::kRegularFile,
                                  std::string());
}

Result<FileStat> HostVolume::stat_root() const {
  struct stat st{};
  if (!is_file()) {
    if (fstat(root_.get(), &st) != 0) return errno_status();
    return stat_of(st);
  }
  if (fstatat(root_.get(), file_name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno_status();
  }
  if (!S_ISREG(st.st_mode)) return Status::kPermission;
  return stat_of(st);
}

Result<HandlePtr> HostVolume::open(const Handle* dir, std::string_view path,
                                   const OpenFlags& flags) {
  if (read_only() && (flags.write || flags.create || flags.truncate)) return Status::kReadOnly;
  // Truncating needs a writable fd (ftruncate below), as O_TRUNC needs write permission.
  int oflags = flags.write || flags.truncate ? O_RDWR : O_RDONLY;
  if (flags.create) oflags |= O_CREAT;
  if (flags.exclusive) oflags |= O_EXCL;
  if (flags.directory) oflags |= O_DIRECTORY;
  // O_TRUNC is done below with ftruncate, so the bytes it frees go back to the quota.
  auto fd = open_fd(dir, path, oflags, 0666, flags.follow);
  if (!fd.ok()) return fd.status();
  struct stat st{};
  if (fstat(fd->get(), &st) != 0) return errno_status();
  const FileType type = type_of(st.st_mode);
  if (type != FileType::kDirectory && type != FileType::kRegularFile) return Status::kNotSupported;
  if (flags.truncate && type == FileType::kRegularFile && st.st_size > 0) {
    if (ftruncate(fd->get(), 0) != 0) return errno_status();
    refund(static_cast<uint64_t>(st.st_size));
  }
  // Remembered for resolving paths that climb above this handle later (see open_fd).
  std::string handle_path;
  if (path.front() == '/') {
    handle_path = std::string(path.substr(path.find_first_not_of('/') == std::string_view::npos
                                              ? path.size()
                                              : path.find_first_not_of('/')));
  } else if (dir == nullptr || dir->path().empty()) {
    handle_path = std::string(path);
  } else {
    handle_path = dir->path() + "/" + std::string(path);
  }
  if (handle_path == ".") handle_path.clear();
  return std::make_shared<Handle>(shared_from_this(), std::move(*fd), type, std::move(handle_path));
}

Result<FileStat> HostVolume::stat(const Handle* dir, std::string_view path, bool follow) const {
  // O_PATH opens the final symlink itself when not following: fstat then describes the link.
  auto fd = open_fd(dir, path, O_PATH, 0, follow);
  if (!fd.ok()) return fd.status();
  struct stat st{};
  if (fstat(fd->get(), &st) != 0) return errno_status();
  return stat_of(st);
}

Status HostVolume::mkdir(const Handle* dir, std::string_view path) {
  if (read_only()) return Status::kReadOnly;
  auto p = parent_of(dir, path);
  if (!p.ok()) return p.status();
  if (is_dot_or_dotdot(p->name)) return Status::kExists;
  if (mkdirat(p->parent.get(), p->name.c_str(), 0777) != 0) return errno_status();
  return Status::kOk;
}

Status HostVolume::rmdir(const Handle* dir, std::string_view path) {
  if (read_only()) return Status::kReadOnly;
  auto p = parent_of(dir, path);
  if (!p.ok()) return p.status();
  if (p->is_root) return Status::kBusy;
  if (p->name == ".") return Status::kInvalid;
  if (p->name == "..") return Status::kNotEmpty;
  if (unlinkat(p->parent.get(), p->name.c_str(), AT_REMOVEDIR) != 0) return errno_status();
  return Status::kOk;
}

Status HostVolume::unlink(const Handle* dir, std::string_view path) {
  if (read_only()) return Status::kReadOnly;
  auto p = parent_of(dir, path);
  if (!p.ok()) return p.status();
  if (is_dot_or_dotdot(p->name)) return Status::kIsDirectory;
  struct stat st{};
  if (fstatat(p->parent.get(), p->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno_status();
  }
  if (S_ISDIR(st.st_mode)) return Status::kIsDirectory;
  if (p->trailing_slash) return Status::kNotDirectory;
  if (unlinkat(p->parent.get(), p->name.c_str(), 0) != 0) return errno_status();
  // The last name of a file (or a symlink's target bytes) leaves the volume's count.
  if ((S_ISREG(st.st_mode) && st.st_nlink == 1) || S_ISLNK(st.st_mode)) {
    refund(static_cast<uint64_t>(st.st_size));
  }
  return Status::kOk;
}

Status HostVolume::rename(const Handle* old_dir, std::string_view old_path, const Handle* new_dir,
                          std::string_view new_path) {
  if (read_only()) return Status::kReadOnly;
  auto from = parent_of(old_dir, old_path);
  if (!from.ok()) return from.status();
  auto to = parent_of(new_dir, new_path);
  if (!to.ok()) return to.status();
  if (is_dot_or_dotdot(from->name) || is_dot_or_dotdot(to->name)) return Status::kBusy;
  struct stat source{};
  if (fstatat(from->parent.get(), from->name.c_str(), &source, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno_status();
  }
  if ((from->trailing_slash || to->trailing_slash) && !S_ISDIR(source.st_mode)) {
    return Status::kNotDirectory;
  }
  struct stat replaced{};
  const bool replaces =
      fstatat(to->parent.get(), to->name.c_str(), &replaced, AT_SYMLINK_NOFOLLOW) == 0;
  if (renameat(from->parent.get(), from->name.c_str(), to->parent.get(), to->name.c_str()) != 0) {
    return errno_status();
  }
  if (replaces && replaced.st_ino != source.st_ino &&
      ((S_ISREG(replaced.st_mode) && replaced.st_nlink == 1) || S_ISLNK(replaced.st_mode))) {
    refund(static_cast<uint64_t>(replaced.st_size));
  }
  return Status::kOk;
}

Status HostVolume::link(const Handle* old_dir, std::string_view old_path, bool follow,
                        const Handle* new_dir, std::string_view new_path) {
  if (read_only()) return Status::kReadOnly;
  auto from = parent_of(old_dir, old_path);
  if (!from.ok()) return from.status();
  auto to = parent_of(new_dir, new_path);
  if (!to.ok()) return to.status();
  if (is_dot_or_dotdot(from->name)) return Status::kPermission;
  if (is_dot_or_dotdot(to->name)) return Status::kExists;
  if (from->trailing_slash || to->trailing_slash) return Status::kNotDirectory;
  struct stat source{};
  if (fstatat(from->parent.get(), from->name.c_str(), &source, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno_status();
  }
  if (S_ISDIR(source.st_mode)) return Status::kPermission;
  if (follow && S_ISLNK(source.st_mode)) {
    // Resolve the link beneath the volume, then link the inode it names by its fd.
    auto target = open_fd(old_dir, old_path, O_PATH, 0, true);
    if (!target.ok()) return target.status();
    if (linkat(target->get(), "", to->parent.get(), to->name.c_str(), AT_EMPTY_PATH) != 0) {
      return errno_status();
    }
    return Status::kOk;
  }
  if (linkat(from->parent.get(), from->name.c_str(), to->parent.get(), to->name.c_str(), 0) != 0) {
    return errno_status();
  }
  return Status::kOk;
}

Status HostVolume::symlink(std::string_view target, const Handle* dir, std::string_view path) {
  if (read_only()) return Status::kReadOnly;
  if (target.find('\0') != std::string_view::npos) return Status::kInvalid;
  if (target.empty()) return Status::kNotFound;
  if (target.size() >= kMaxPath) return Status::kNameTooLong;
  auto p = parent_of(dir, path);
  if (!p.ok()) return p.status();
  if (is_dot_or_dotdot(p->name)) return Status::kExists;
  if (!charge(target.size())) return Status::kNoSpace;
  if (symlinkat(std::string(target).c_str(), p->parent.get(), p->name.c_str()) != 0) {
    const Status status = errno_status();
    refund(target.size());
    return status;
  }
  return Status::kOk;
}

Result<std::string> HostVolume::readlink(const Handle* dir, std::string_view path) const {
  auto p = parent_of(dir, path);
  if (!p.ok()) return p.status();
  if (is_dot_or_dotdot(p->name) || p->trailing_slash) return Status::kInvalid;
  std::string target(kMaxPath, '\0');
  ssize_t n = readlinkat(p->parent.get(), p->name.c_str(), target.data(), target.size());
  if (n < 0) return errno_status();
  target.resize(static_cast<size_t>(n));
  return target;
}

Status HostVolume::set_times(const Handle* dir, std::string_view path, bool follow, TimeSpec atim,
                             TimeSpec mtim) {
  if (read_only()) return Status::kReadOnly;
  const timespec times[2] = {timespec_of(atim), timespec_of(mtim)};
  auto p = parent_of(dir, path);
  if (!p.ok()) return p.status();
  struct stat st{};
  if (fstatat(p->parent.get(), p->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno_status();
  }
  if (is_dot_or_dotdot(p->name) || p->trailing_slash || (follow && S_ISLNK(st.st_mode))) {
    // Resolve beneath the volume first, then change the inode found, by its fd.
    auto fd = open_fd(dir, path, O_PATH, 0, true);
    if (!fd.ok()) return fd.status();
    if (utimensat(fd->get(), "", times, AT_EMPTY_PATH) != 0) return errno_status();
    return Status::kOk;
  }
  if (utimensat(p->parent.get(), p->name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno_status();
  }
  return Status::kOk;
}

Status HostVolume::chmod(const Handle* dir, std::string_view path, unsigned mode) {
  if (read_only()) return Status::kReadOnly;
  if ((mode & ~0777u) != 0) return Status::kInvalid;
  auto p = parent_of(dir, path);
  if (!p.ok()) return p.status();
  if (is_dot_or_dotdot(p->name) || p->trailing_slash) {
    auto fd = open_fd(dir, path, O_RDONLY | O_DIRECTORY, 0, true);
    if (!fd.ok()) return fd.status();
    if (fchmod(fd->get(), mode) != 0) return errno_status();
    return Status::kOk;
  }
  // Never through a symlink: the kernel refuses AT_SYMLINK_NOFOLLOW on one (EOPNOTSUPP).
  if (fchmodat(p->parent.get(), p->name.c_str(), mode, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno_status();  // ENOTSUP for a symlink
  }
  return Status::kOk;
}

}  // namespace eryx::volumes
