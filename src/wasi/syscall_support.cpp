#include "wasi/syscall_support.h"

#include <limits>

#include "vfs/node.h"
#include "wasi/context.h"

namespace eryx::wasi::detail {

Errno read_iovecs(GuestMemory& mem, uint32_t iovs, uint32_t iovs_len,
                  std::vector<std::span<uint8_t>>& out, uint64_t& total) {
  if (iovs_len > kMaxIovecs) return Errno::kInval;
  if (!mem.array(iovs, iovs_len, sizeof(abi::Iovec))) return Errno::kFault;
  out.clear();
  out.reserve(iovs_len);
  total = 0;
  for (uint32_t i = 0; i < iovs_len; ++i) {
    auto iov = mem.read<abi::Iovec>(static_cast<uint64_t>(iovs) + i * sizeof(abi::Iovec));
    if (!iov) return Errno::kFault;
    auto buf = mem.bytes(iov->buf, iov->buf_len);
    if (!buf) return Errno::kFault;
    total += iov->buf_len;
    out.push_back(*buf);
  }
  if (total > std::numeric_limits<uint32_t>::max()) return Errno::kInval;
  return Errno::kSuccess;
}

Errno read_path(GuestMemory& mem, uint32_t ptr, uint32_t len, std::string_view& out) {
  auto path = mem.string(ptr, len);
  if (!path) return Errno::kFault;
  if (len > vfs::kMaxPathLength) return Errno::kNametoolong;
  out = *path;
  return Errno::kSuccess;
}

uint8_t filetype_of(vfs::FileType type) {
  switch (type) {
    case vfs::FileType::kUnknown:
      return abi::kFiletypeUnknown;
    case vfs::FileType::kBlockDevice:
      return abi::kFiletypeBlockDevice;
    case vfs::FileType::kCharacterDevice:
      return abi::kFiletypeCharacterDevice;
    case vfs::FileType::kDirectory:
      return abi::kFiletypeDirectory;
    case vfs::FileType::kRegularFile:
      return abi::kFiletypeRegularFile;
    case vfs::FileType::kSymlink:
      return abi::kFiletypeSymbolicLink;
  }
  return abi::kFiletypeUnknown;
}

uint8_t filetype_of(const FdEntry& entry) {
  // stdio is neither a tty nor seekable: UNKNOWN, as Wasmtime reports a non-tty stdio.
  return entry.handle ? filetype_of(entry.handle->type()) : abi::kFiletypeUnknown;
}

abi::Filestat stdio_filestat() {
  abi::Filestat stat{};
  stat.dev = 1;
  stat.nlink = 1;
  return stat;
}

Errno decode_times(uint64_t atim, uint64_t mtim, uint32_t fst_flags,
                   std::optional<uint64_t>& atim_out, std::optional<uint64_t>& mtim_out) {
  if ((fst_flags & ~static_cast<uint32_t>(abi::kFstflagsAll)) != 0) return Errno::kInval;
  if ((fst_flags & abi::kFstflagAtim) && (fst_flags & abi::kFstflagAtimNow)) return Errno::kInval;
  if ((fst_flags & abi::kFstflagMtim) && (fst_flags & abi::kFstflagMtimNow)) return Errno::kInval;
  uint64_t now = vfs::now_ns();
  if (fst_flags & abi::kFstflagAtim) atim_out = atim;
  if (fst_flags & abi::kFstflagAtimNow) atim_out = now;
  if (fst_flags & abi::kFstflagMtim) mtim_out = mtim;
  if (fst_flags & abi::kFstflagMtimNow) mtim_out = now;
  return Errno::kSuccess;
}

}  // namespace eryx::wasi::detail
