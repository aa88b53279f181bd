// path_* syscalls: everything that names a file relative to a directory fd.
#include <algorithm>

#include "wasi/abi.h"
#include "wasi/context.h"
#include "wasi/syscall_support.h"

// Returns early with a non-success errno.
#define ERYX_TRY(expr)                                                      \
  do {                                                                      \
    if (Errno eryx_e_ = (expr); eryx_e_ != Errno::kSuccess) return eryx_e_; \
  } while (0)

namespace eryx::wasi {

using detail::guarded;

uint32_t WasiContext::path_open(GuestMemory& mem, uint32_t fd, uint32_t dirflags, uint32_t path,
                                uint32_t path_len, uint32_t oflags, uint64_t rights_base,
                                uint64_t rights_inheriting, uint32_t fdflags,
                                uint32_t opened_fd_ptr) {
  return guarded([&] {
    vfs::Handle* dir = nullptr;
    std::string_view name;
    ERYX_TRY(path_at(mem, fd, path, path_len, dir, name));
    if (!mem.contains(opened_fd_ptr, 4)) return Errno::kFault;
    if ((dirflags & ~abi::kLookupSymlinkFollow) != 0 ||
        (oflags & ~static_cast<uint32_t>(abi::kOflagsAll)) != 0 ||
        (fdflags & ~static_cast<uint32_t>(abi::kFdflagsAll)) != 0) {
      return Errno::kInval;
    }
    // An fd hands down at most what its directory may pass on.
    const FdEntry& dir_entry = *fds_.get(fd);
    if ((rights_base & ~dir_entry.rights_inheriting) != 0 ||
        (rights_inheriting & ~dir_entry.rights_inheriting) != 0) {
      return Errno::kNotcapable;
    }
    // Checked before the open so a full table never leaves a newly created file behind.
    if (fds_.open_count() >= fds_.max_fds()) return Errno::kMfile;

    vfs::OpenOptions options;
    options.follow = (dirflags & abi::kLookupSymlinkFollow) != 0;
    options.create = (oflags & abi::kOflagCreat) != 0;
    options.exclusive = (oflags & abi::kOflagExcl) != 0;
    options.truncate = (oflags & abi::kOflagTrunc) != 0;
    options.directory = (oflags & abi::kOflagDirectory) != 0;
    options.read = (rights_base & abi::kRightFdRead) != 0;
    options.write = (rights_base & abi::kRightFdWrite) != 0;
    auto handle = dir->mount().open(*dir, name, options);
    if (!handle.ok()) return to_errno(handle.status());

    FdEntry entry;
    entry.kind = (*handle)->is_directory() ? FdKind::kDirectory : FdKind::kFile;
    entry.handle = std::move(*handle);
    entry.fdflags = static_cast<uint16_t>(fdflags);
    entry.rights_base = rights_base;
    entry.rights_inheriting = rights_inheriting;
    auto opened = fds_.insert(std::move(entry));
    if (!opened) return Errno::kMfile;
    (void)mem.write<uint32_t>(opened_fd_ptr, *opened);
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::path_create_directory(GuestMemory& mem, uint32_t fd, uint32_t path,
                                            uint32_t path_len) {
  return guarded([&] {
    vfs::Handle* dir = nullptr;
    std::string_view name;
    ERYX_TRY(path_at(mem, fd, path, path_len, dir, name));
    return to_errno(dir->mount().create_directory(*dir, name));
  });
}

uint32_t WasiContext::path_filestat_get(GuestMemory& mem, uint32_t fd, uint32_t flags,
                                        uint32_t path, uint32_t path_len, uint32_t buf_ptr) {
  return guarded([&] {
    vfs::Handle* dir = nullptr;
    std::string_view name;
    ERYX_TRY(path_at(mem, fd, path, path_len, dir, name));
    if (!mem.contains(buf_ptr, sizeof(abi::Filestat))) return Errno::kFault;
    if ((flags & ~abi::kLookupSymlinkFollow) != 0) return Errno::kInval;
    vfs::Mount& mount = dir->mount();
    auto stat = mount.stat(*dir, name, (flags & abi::kLookupSymlinkFollow) != 0);
    if (!stat.ok()) return to_errno(stat.status());
    (void)mem.write(buf_ptr, to_filestat(*stat, mount));
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::path_filestat_set_times(GuestMemory& mem, uint32_t fd, uint32_t flags,
                                              uint32_t path, uint32_t path_len, uint64_t atim,
                                              uint64_t mtim, uint32_t fst_flags) {
  return guarded([&] {
    vfs::Handle* dir = nullptr;
    std::string_view name;
    ERYX_TRY(path_at(mem, fd, path, path_len, dir, name));
    if ((flags & ~abi::kLookupSymlinkFollow) != 0) return Errno::kInval;
    std::optional<uint64_t> new_atim, new_mtim;
    ERYX_TRY(detail::decode_times(atim, mtim, fst_flags, new_atim, new_mtim));
    return to_errno(dir->mount().set_times(*dir, name, (flags & abi::kLookupSymlinkFollow) != 0,
                                           new_atim, new_mtim));
  });
}

uint32_t WasiContext::path_link(GuestMemory& mem, uint32_t old_fd, uint32_t old_flags,
                                uint32_t old_path, uint32_t old_path_len, uint32_t new_fd,
                                uint32_t new_path, uint32_t new_path_len) {
  return guarded([&] {
    vfs::Handle* old_dir = nullptr;
    vfs::Handle* new_dir = nullptr;
    ERYX_TRY(directory_fd(old_fd, old_dir));
    ERYX_TRY(directory_fd(new_fd, new_dir));
    std::string_view from, to;
    ERYX_TRY(detail::read_path(mem, old_path, old_path_len, from));
    ERYX_TRY(detail::read_path(mem, new_path, new_path_len, to));
    if ((old_flags & ~abi::kLookupSymlinkFollow) != 0) return Errno::kInval;
    // A hard link names one inode: it cannot span two filesystems.
    if (&old_dir->mount() != &new_dir->mount()) return Errno::kXdev;
    return to_errno(old_dir->mount().link(
        *old_dir, from, (old_flags & abi::kLookupSymlinkFollow) != 0, *new_dir, to));
  });
}

uint32_t WasiContext::path_readlink(GuestMemory& mem, uint32_t fd, uint32_t path, uint32_t path_len,
                                    uint32_t buf, uint32_t buf_len, uint32_t bufused_ptr) {
  return guarded([&] {
    vfs::Handle* dir = nullptr;
    std::string_view name;
    ERYX_TRY(path_at(mem, fd, path, path_len, dir, name));
    auto out = mem.bytes(buf, buf_len);
    if (!out || !mem.contains(bufused_ptr, 4)) return Errno::kFault;
    auto target = dir->mount().readlink(*dir, name);
    if (!target.ok()) return to_errno(target.status());
    // Like readlink(2): silently cut to the buffer, no NUL.
    size_t n = std::min<size_t>(target->size(), out->size());
    std::copy_n(target->data(), n, reinterpret_cast<char*>(out->data()));
    (void)mem.write<uint32_t>(bufused_ptr, static_cast<uint32_t>(n));
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::path_remove_directory(GuestMemory& mem, uint32_t fd, uint32_t path,
                                            uint32_t path_len) {
  return guarded([&] {
    vfs::Handle* dir = nullptr;
    std::string_view name;
    ERYX_TRY(path_at(mem, fd, path, path_len, dir, name));
    return to_errno(dir->mount().remove_directory(*dir, name));
  });
}

uint32_t WasiContext::path_rename(GuestMemory& mem, uint32_t fd, uint32_t old_path,
                                  uint32_t old_path_len, uint32_t new_fd, uint32_t new_path,
                                  uint32_t new_path_len) {
  return guarded([&] {
    vfs::Handle* old_dir = nullptr;
    vfs::Handle* new_dir = nullptr;
    ERYX_TRY(directory_fd(fd, old_dir));
    ERYX_TRY(directory_fd(new_fd, new_dir));
    std::string_view from, to;
    ERYX_TRY(detail::read_path(mem, old_path, old_path_len, from));
    ERYX_TRY(detail::read_path(mem, new_path, new_path_len, to));
    // As rename(2) between filesystems: EXDEV, and Python's shutil.move copies instead.
    if (&old_dir->mount() != &new_dir->mount()) return Errno::kXdev;
    return to_errno(old_dir->mount().rename(*old_dir, from, *new_dir, to));
  });
}

uint32_t WasiContext::path_symlink(GuestMemory& mem, uint32_t old_path, uint32_t old_path_len,
                                   uint32_t fd, uint32_t new_path, uint32_t new_path_len) {
  return guarded([&] {
    vfs::Handle* dir = nullptr;
    ERYX_TRY(directory_fd(fd, dir));
    std::string_view target, name;
    ERYX_TRY(detail::read_path(mem, old_path, old_path_len, target));
    ERYX_TRY(detail::read_path(mem, new_path, new_path_len, name));
    return to_errno(dir->mount().symlink(target, *dir, name));
  });
}

uint32_t WasiContext::path_unlink_file(GuestMemory& mem, uint32_t fd, uint32_t path,
                                       uint32_t path_len) {
  return guarded([&] {
    vfs::Handle* dir = nullptr;
    std::string_view name;
    ERYX_TRY(path_at(mem, fd, path, path_len, dir, name));
    return to_errno(dir->mount().unlink_file(*dir, name));
  });
}

}  // namespace eryx::wasi

#undef ERYX_TRY
