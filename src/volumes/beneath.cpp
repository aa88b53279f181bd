#include "volumes/beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <string>
#include <vector>

namespace eryx::volumes {
namespace {

using vfs::Result;
using vfs::Status;

// Symlink hops in one resolution, as Linux's MAXSYMLINKS.
constexpr int kMaxSymlinkHops = 40;
// Times openat2 is retried when a concurrent rename made it answer EAGAIN.
constexpr int kMaxEagainRetries = 128;
// Flags every open gets: no fd leaks into children, no controlling tty, and no blocking open on
// a FIFO someone planted (O_NONBLOCK means nothing for regular files and directories).
constexpr int kAlwaysFlags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

long sys_openat2(int dirfd, const char* path, open_how* how) {
  return syscall(SYS_openat2, dirfd, path, how, sizeof(open_how));
}

Result<UniqueFd> open_with_openat2(int start, const std::string& path, int flags, unsigned mode,
                                   bool follow_final, Confinement confinement) {
  open_how how{};
  // openat2 refuses O_PATH with anything but O_DIRECTORY, O_NOFOLLOW and O_CLOEXEC (EINVAL).
  const int always = (flags & O_PATH) != 0 ? O_CLOEXEC : kAlwaysFlags;
  how.flags = static_cast<uint64_t>(flags | always | (follow_final ? 0 : O_NOFOLLOW));
  // openat2 refuses a mode without O_CREAT/O_TMPFILE.
  // (O_TMPFILE includes O_DIRECTORY's bit: compare all of it.)
  how.mode = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE ? mode : 0;
  how.resolve = (confinement == Confinement::kInRoot ? RESOLVE_IN_ROOT : RESOLVE_BENEATH) |
                RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0; attempt < kMaxEagainRetries; ++attempt) {
    long fd = sys_openat2(start, path.c_str(), &how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno == EAGAIN || errno == EINTR) continue;
    // EXDEV is how RESOLVE_BENEATH reports an attempt to leave `start`.
    if (errno == EXDEV) return Status::kPermission;
    return status_from_errno(errno);
  }
  return Status::kBusy;
}

// Splits on '/', dropping empty components.
void push_components_front(std::deque<std::string>& pending, std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_front(std::move(*it));
}

// readlinkat into a string; the target may be up to PATH_MAX bytes.
Result<std::string> read_link(int dirfd, const char* name) {
  std::string target(4096, '\0');
  ssize_t n = readlinkat(dirfd, name, target.data(), target.size());
  if (n < 0) return status_from_errno(errno);
  if (static_cast<size_t>(n) >= target.size()) return Status::kNameTooLong;
  target.resize(static_cast<size_t>(n));
  return target;
}

// The directories entered so far: ".." pops one, so a walk never consults the host's "..".
using FdStack = std::vector<UniqueFd>;

// Continues a walk with a symlink's target in front of what is left. An absolute target names
// the host's root: refused beneath `start`, or restarted from `start` in-root.
Status splice_symlink(std::deque<std::string>& pending, const std::string& target, int& hops,
                      FdStack& stack, Confinement confinement) {
  if (++hops > kMaxSymlinkHops) return Status::kLoop;
  if (target.empty()) return Status::kNotFound;
  if (target.front() == '/') {
    if (confinement == Confinement::kBeneath) return Status::kPermission;
    stack.clear();
  }
  push_components_front(pending, target);
  return Status::kOk;
}

Result<UniqueFd> open_with_walk(int start, std::string_view path, int flags, unsigned mode,
                                bool follow_final, Confinement confinement) {
  if (path.empty()) return Status::kNotFound;
  if (path.front() == '/' && confinement == Confinement::kBeneath) return Status::kPermission;
  if (path.back() == '/') {
    flags |= O_DIRECTORY;
    follow_final = true;
  }
  std::deque<std::string> pending;
  push_components_front(pending, path);
  if (pending.empty()) pending.emplace_back(".");  // "/" or "//"
  FdStack stack;
  auto current = [&] { return stack.empty() ? start : stack.back().get(); };
  int hops = 0;

  while (!pending.empty()) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    const bool last = pending.empty();
    if (name == "." && !last) continue;
    if (name == "..") {
      if (stack.empty()) {
        if (confinement == Confinement::kBeneath) return Status::kPermission;
      } else {
        stack.pop_back();
      }
      if (!last) continue;
      name.assign(1, '.');
    }
    if (!last) {
      int fd = openat(current(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return status_from_errno(errno);
      UniqueFd component(fd);
      struct stat st{};
      if (fstat(component.get(), &st) != 0) return status_from_errno(errno);
      if (S_ISLNK(st.st_mode)) {
        auto target = read_link(component.get(), "");
        if (!target.ok()) return target.status();
        if (auto s = splice_symlink(pending, *target, hops, stack, confinement); s != Status::kOk)
          return s;
        continue;
      }
      if (!S_ISDIR(st.st_mode)) return Status::kNotDirectory;
      stack.push_back(std::move(component));
      continue;
    }
    int fd = openat(current(), name.c_str(), flags | kAlwaysFlags | O_NOFOLLOW, mode);
    if (fd < 0) {
      const int error = errno;
      if (follow_final && (error == ELOOP || error == ENOTDIR)) {
        struct stat st{};
        if (fstatat(current(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode)) {
          auto target = read_link(current(), name.c_str());
          if (!target.ok()) return target.status();
          if (auto s = splice_symlink(pending, *target, hops, stack, confinement); s != Status::kOk)
            return s;
          continue;
        }
      }
      return status_from_errno(error);
    }
    UniqueFd result(fd);
    if ((flags & O_PATH) != 0 && follow_final) {
      // O_PATH|O_NOFOLLOW opens a symlink itself instead of failing: follow it here.
      struct stat st{};
      if (fstat(result.get(), &st) != 0) return status_from_errno(errno);
      if (S_ISLNK(st.st_mode)) {
        auto target = read_link(result.get(), "");
        if (!target.ok()) return target.status();
        if (auto s = splice_symlink(pending, *target, hops, stack, confinement); s != Status::kOk)
          return s;
        continue;
      }
    }
    return result;
  }
  return Status::kNotFound;  // unreachable: the last component always returns
}

}  // namespace

bool openat2_available() {
  static const bool available = [] {
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    long fd = sys_openat2(AT_FDCWD, "/", &how);
    if (fd >= 0) {
      close(static_cast<int>(fd));
      return true;
    }
    return errno != ENOSYS && errno != EPERM;  // EPERM: a seccomp filter refusing it
  }();
  return available;
}

Status status_from_errno(int error) {
  switch (error) {
    case 0:
      return Status::kOk;
    case ENOENT:
      return Status::kNotFound;
    case EEXIST:
      return Status::kExists;
    case ENOTDIR:
      return Status::kNotDirectory;
    case EISDIR:
      return Status::kIsDirectory;
    case ENOTEMPTY:
      return Status::kNotEmpty;
    case EROFS:
      return Status::kReadOnly;
    case ENOSPC:
    case EDQUOT:
      return Status::kNoSpace;
    case ELOOP:
      return Status::kLoop;
    case ENAMETOOLONG:
      return Status::kNameTooLong;
    case EBUSY:
    case ETXTBSY:
      return Status::kBusy;
    case EXDEV:
      return Status::kCrossDevice;
    case EPERM:
      return Status::kPermission;
    case EACCES:
      return Status::kAccess;
    case EIO:
      return Status::kIo;
    case ENOTSUP:
      return Status::kNotSupported;
    case EFBIG:
    case EOVERFLOW:
      return Status::kFileTooBig;
    default:
      return Status::kInvalid;
  }
}

Result<UniqueFd> open_beneath(int start, std::string_view path, int flags, unsigned mode,
                              bool follow_final, Resolver resolver, Confinement confinement) {
  if (path.find('\0') != std::string_view::npos) return Status::kInvalid;
  if (path.size() >= 4096) return Status::kNameTooLong;
  const bool use_openat2 =
      resolver == Resolver::kOpenat2 || (resolver == Resolver::kAuto && openat2_available());
  if (use_openat2) {
    if (!openat2_available()) return Status::kInvalid;
    if (path.empty()) return Status::kNotFound;
    return open_with_openat2(start, std::string(path), flags, mode, follow_final, confinement);
  }
  return open_with_walk(start, path, flags, mode, follow_final, confinement);
}

}  // namespace eryx::volumes
