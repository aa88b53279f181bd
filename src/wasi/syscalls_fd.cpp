// fd_* syscalls: reading, writing, seeking and describing open fds.
#include <algorithm>
#include <limits>
#include <string_view>
#include <vector>

#include "wasi/abi.h"
#include "wasi/context.h"
#include "wasi/syscall_support.h"

namespace eryx::wasi {
namespace {

using detail::guarded;

constexpr uint64_t kMaxOffset = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

bool is_stdio(const FdEntry& entry) {
  return entry.kind == FdKind::kStdin || entry.kind == FdKind::kStdout ||
         entry.kind == FdKind::kStderr;
}

std::vector<vfs::ConstBytes> const_chunks(const std::vector<std::span<uint8_t>>& buffers) {
  return {buffers.begin(), buffers.end()};
}

// The common start of fd_read/fd_write/fd_pread/fd_pwrite: the fd, its iovecs checked against
// memory, and the result pointer checked before any side effect.
struct IoRequest {
  FdEntry* entry = nullptr;
  std::vector<std::span<uint8_t>> buffers;
  uint64_t total = 0;
};

Errno begin_io(FdTable& fds, GuestMemory& mem, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
               uint32_t result_ptr, IoRequest& io) {
  io.entry = fds.get(fd);
  if (!io.entry) return Errno::kBadf;
  if (Errno e = detail::read_iovecs(mem, iovs, iovs_len, io.buffers, io.total);
      e != Errno::kSuccess) {
    return e;
  }
  if (!mem.contains(result_ptr, 4)) return Errno::kFault;
  return Errno::kSuccess;
}

}  // namespace

uint32_t WasiContext::fd_write(GuestMemory& mem, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                               uint32_t nwritten_ptr) {
  return guarded([&] {
    IoRequest io;
    if (Errno e = begin_io(fds_, mem, fd, iovs, iovs_len, nwritten_ptr, io); e != Errno::kSuccess) {
      return e;
    }
    FdEntry* entry = io.entry;
    auto& buffers = io.buffers;
    uint64_t total = io.total;
    if (!entry->can_write()) return Errno::kBadf;
    if (entry->kind == FdKind::kStdout || entry->kind == FdKind::kStderr) {
      std::vector<std::string_view> chunks;
      chunks.reserve(buffers.size());
      for (auto b : buffers) chunks.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
      (entry->kind == FdKind::kStdout ? stdout_ : stderr_).write(chunks);
    } else if (entry->kind == FdKind::kDirectory) {
      return Errno::kIsdir;
    } else if (entry->fdflags & abi::kFdflagAppend) {
      // The end is found and written under the mount's lock: appends of two sessions sharing a
      // file never overwrite each other.
      auto end = entry->handle->append(const_chunks(buffers));
      if (!end.ok()) return to_errno(end.status());
      entry->offset = *end;
    } else {
      auto chunks = const_chunks(buffers);
      if (auto s = entry->handle->write(entry->offset, chunks); s != vfs::Status::kOk) {
        return to_errno(s);
      }
      entry->offset += total;
    }
    (void)mem.write<uint32_t>(nwritten_ptr, static_cast<uint32_t>(total));
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_pwrite(GuestMemory& mem, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                                uint64_t offset, uint32_t nwritten_ptr) {
  return guarded([&] {
    IoRequest io;
    if (Errno e = begin_io(fds_, mem, fd, iovs, iovs_len, nwritten_ptr, io); e != Errno::kSuccess) {
      return e;
    }
    FdEntry* entry = io.entry;
    auto& buffers = io.buffers;
    uint64_t total = io.total;
    if (!entry->can_write()) return Errno::kBadf;
    if (is_stdio(*entry)) return Errno::kSpipe;
    if (entry->kind == FdKind::kDirectory) return Errno::kIsdir;
    if (offset > kMaxOffset) return Errno::kInval;
    auto chunks = const_chunks(buffers);
    if (auto s = entry->handle->write(offset, chunks); s != vfs::Status::kOk) return to_errno(s);
    (void)mem.write<uint32_t>(nwritten_ptr, static_cast<uint32_t>(total));
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_read(GuestMemory& mem, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                              uint32_t nread_ptr) {
  return guarded([&] {
    IoRequest io;
    if (Errno e = begin_io(fds_, mem, fd, iovs, iovs_len, nread_ptr, io); e != Errno::kSuccess) {
      return e;
    }
    FdEntry* entry = io.entry;
    auto& buffers = io.buffers;
    if (!entry->can_read()) return Errno::kBadf;
    uint64_t done = 0;  // stdin is always at end of file
    if (entry->kind == FdKind::kDirectory) return Errno::kIsdir;
    if (entry->kind == FdKind::kFile) {
      auto n = entry->handle->read(entry->offset, buffers);
      if (!n.ok()) return to_errno(n.status());
      done = *n;
      entry->offset += done;
    }
    (void)mem.write<uint32_t>(nread_ptr, static_cast<uint32_t>(done));
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_pread(GuestMemory& mem, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                               uint64_t offset, uint32_t nread_ptr) {
  return guarded([&] {
    IoRequest io;
    if (Errno e = begin_io(fds_, mem, fd, iovs, iovs_len, nread_ptr, io); e != Errno::kSuccess) {
      return e;
    }
    FdEntry* entry = io.entry;
    auto& buffers = io.buffers;
    if (!entry->can_read()) return Errno::kBadf;
    if (is_stdio(*entry)) return Errno::kSpipe;
    if (entry->kind == FdKind::kDirectory) return Errno::kIsdir;
    if (offset > kMaxOffset) return Errno::kInval;
    auto done = entry->handle->read(offset, buffers);
    if (!done.ok()) return to_errno(done.status());
    (void)mem.write<uint32_t>(nread_ptr, static_cast<uint32_t>(*done));
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_seek(GuestMemory& mem, uint32_t fd, uint64_t offset, uint32_t whence,
                              uint32_t newoffset_ptr) {
  return guarded([&] {
    FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    if (is_stdio(*entry)) return Errno::kSpipe;
    if (entry->kind != FdKind::kFile) return Errno::kBadf;
    if (!mem.contains(newoffset_ptr, 8)) return Errno::kFault;
    int64_t base = 0;
    switch (whence) {
      case abi::kWhenceSet:
        base = 0;
        break;
      case abi::kWhenceCur:
        base = static_cast<int64_t>(entry->offset);
        break;
      case abi::kWhenceEnd: {
        auto size = entry->handle->size();
        if (!size.ok()) return to_errno(size.status());
        base = static_cast<int64_t>(*size);
        break;
      }
      default:
        return Errno::kInval;
    }
    int64_t delta = static_cast<int64_t>(offset);  // filedelta is signed
    int64_t result = 0;
    if (__builtin_add_overflow(base, delta, &result) || result < 0) return Errno::kInval;
    entry->offset = static_cast<uint64_t>(result);
    (void)mem.write<uint64_t>(newoffset_ptr, entry->offset);
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_tell(GuestMemory& mem, uint32_t fd, uint32_t offset_ptr) {
  return guarded([&] {
    FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    if (is_stdio(*entry)) return Errno::kSpipe;
    if (entry->kind != FdKind::kFile) return Errno::kBadf;
    if (!mem.write<uint64_t>(offset_ptr, entry->offset)) return Errno::kFault;
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_close(GuestMemory&, uint32_t fd) {
  return guarded([&] { return fds_.close(fd); });
}

uint32_t WasiContext::fd_datasync(GuestMemory&, uint32_t fd) {
  return guarded([&] {
    const FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    if (is_stdio(*entry)) return Errno::kInval;
    return to_errno(entry->handle->sync());  // a no-op in memory
  });
}

uint32_t WasiContext::fd_sync(GuestMemory& mem, uint32_t fd) { return fd_datasync(mem, fd); }

uint32_t WasiContext::fd_advise(GuestMemory&, uint32_t fd, uint64_t offset, uint64_t len,
                                uint32_t advice) {
  return guarded([&] {
    const FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    if (is_stdio(*entry)) return Errno::kSpipe;
    if (entry->kind != FdKind::kFile) return Errno::kBadf;
    if (advice > abi::kAdviceNoReuse || offset > kMaxOffset || len > kMaxOffset) {
      return Errno::kInval;
    }
    return Errno::kSuccess;  // advice changes nothing in memory
  });
}

uint32_t WasiContext::fd_allocate(GuestMemory&, uint32_t fd, uint64_t offset, uint64_t len) {
  return guarded([&] {
    FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    if (is_stdio(*entry)) return Errno::kSpipe;
    if (entry->kind != FdKind::kFile || !entry->can_write()) return Errno::kBadf;
    if (len == 0) return Errno::kInval;
    if (offset > kMaxOffset || len > kMaxOffset - offset) return Errno::kFbig;
    return to_errno(entry->handle->allocate(offset, len));  // growth counts against the quota
  });
}

uint32_t WasiContext::fd_fdstat_get(GuestMemory& mem, uint32_t fd, uint32_t stat_ptr) {
  return guarded([&] {
    const FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    abi::Fdstat stat{};
    stat.fs_filetype = detail::filetype_of(*entry);
    stat.fs_flags = entry->fdflags;
    stat.fs_rights_base = entry->rights_base;
    stat.fs_rights_inheriting = entry->rights_inheriting;
    if (!mem.write(stat_ptr, stat)) return Errno::kFault;
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_fdstat_set_flags(GuestMemory&, uint32_t fd, uint32_t flags) {
  return guarded([&] {
    FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    if ((flags & ~static_cast<uint32_t>(abi::kFdflagsAll)) != 0) return Errno::kInval;
    entry->fdflags = static_cast<uint16_t>(flags);
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_fdstat_set_rights(GuestMemory&, uint32_t fd, uint64_t rights_base,
                                           uint64_t rights_inheriting) {
  return guarded([&] {
    FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    // Rights can only be dropped, never gained.
    if ((rights_base & ~entry->rights_base) != 0 ||
        (rights_inheriting & ~entry->rights_inheriting) != 0) {
      return Errno::kNotcapable;
    }
    entry->rights_base = rights_base;
    entry->rights_inheriting = rights_inheriting;
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_filestat_get(GuestMemory& mem, uint32_t fd, uint32_t buf_ptr) {
  return guarded([&] {
    const FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    if (!mem.contains(buf_ptr, sizeof(abi::Filestat))) return Errno::kFault;
    abi::Filestat stat = detail::stdio_filestat();
    if (entry->handle) {
      auto handle_stat = entry->handle->stat();
      if (!handle_stat.ok()) return to_errno(handle_stat.status());
      stat = to_filestat(*handle_stat, entry->handle->mount());
    }
    (void)mem.write(buf_ptr, stat);
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_filestat_set_size(GuestMemory&, uint32_t fd, uint64_t size) {
  return guarded([&] {
    FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    if (is_stdio(*entry)) return Errno::kInval;
    if (entry->kind == FdKind::kDirectory) return Errno::kIsdir;
    if (!entry->can_write()) return Errno::kBadf;
    if (size > kMaxOffset) return Errno::kFbig;
    return to_errno(entry->handle->resize(size));
  });
}

uint32_t WasiContext::fd_filestat_set_times(GuestMemory&, uint32_t fd, uint64_t atim, uint64_t mtim,
                                            uint32_t fst_flags) {
  return guarded([&] {
    FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    std::optional<uint64_t> new_atim, new_mtim;
    if (Errno e = detail::decode_times(atim, mtim, fst_flags, new_atim, new_mtim);
        e != Errno::kSuccess) {
      return e;
    }
    if (!entry->handle) return Errno::kSuccess;  // stdio has no times to keep
    return to_errno(entry->handle->set_times(new_atim, new_mtim));
  });
}

uint32_t WasiContext::fd_prestat_get(GuestMemory& mem, uint32_t fd, uint32_t buf_ptr) {
  return guarded([&] {
    const FdEntry* entry = fds_.get(fd);
    if (!entry || entry->preopen_name.empty()) return Errno::kBadf;
    abi::Prestat prestat{};
    prestat.tag = abi::kPreopentypeDir;
    prestat.pr_name_len = static_cast<uint32_t>(entry->preopen_name.size());
    if (!mem.write(buf_ptr, prestat)) return Errno::kFault;
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_prestat_dir_name(GuestMemory& mem, uint32_t fd, uint32_t path,
                                          uint32_t path_len) {
  return guarded([&] {
    const FdEntry* entry = fds_.get(fd);
    if (!entry || entry->preopen_name.empty()) return Errno::kBadf;
    const std::string& name = entry->preopen_name;
    if (!mem.contains(path, path_len)) return Errno::kFault;
    if (path_len < name.size()) return Errno::kNametoolong;
    if (!mem.write_bytes(path, name)) return Errno::kFault;
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_readdir(GuestMemory& mem, uint32_t fd, uint32_t buf, uint32_t buf_len,
                                 uint64_t cookie, uint32_t bufused_ptr) {
  return guarded([&] {
    const FdEntry* entry = fds_.get(fd);
    if (!entry) return Errno::kBadf;
    if (entry->kind != FdKind::kDirectory) return Errno::kNotdir;
    auto out = mem.bytes(buf, buf_len);
    if (!out || !mem.contains(bufused_ptr, 4)) return Errno::kFault;

    // Entries are copied whole until the buffer is full; the last one may be cut short, which
    // tells the guest (bufused == buf_len) to retry from its cookie with a larger buffer.
    size_t used = 0;
    auto emit = [&](const vfs::DirEntry& e) {
      abi::Dirent dirent{};
      dirent.d_next = e.next;
      dirent.d_ino = e.inode;
      dirent.d_namlen = static_cast<uint32_t>(e.name.size());
      dirent.d_type = detail::filetype_of(e.type);
      auto header =
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&dirent), sizeof(dirent));
      auto name_bytes =
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(e.name.data()), e.name.size());
      for (auto part : {header, name_bytes}) {
        size_t n = std::min(part.size(), out->size() - used);
        std::copy_n(part.begin(), n, out->begin() + used);
        used += n;
      }
      return used < out->size();
    };
    if (auto s = entry->handle->read_directory(cookie, emit); s != vfs::Status::kOk) {
      return to_errno(s);
    }
    (void)mem.write<uint32_t>(bufused_ptr, static_cast<uint32_t>(used));
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::fd_renumber(GuestMemory&, uint32_t fd, uint32_t to) {
  return guarded([&] { return fds_.renumber(fd, to); });
}

}  // namespace eryx::wasi
