// Helpers shared by the syscalls_*.cpp files (not part of the layer's interface).
#pragma once

#include <new>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "vfs/mount.h"
#include "vfs/path.h"
#include "wasi/abi.h"
#include "wasi/errno.h"
#include "wasi/fd_table.h"
#include "wasi/guest_memory.h"

namespace eryx::wasi::detail {

// Runs a syscall body and returns its errno; no exception leaves. std::bad_alloc means the host
// could not allocate for the guest (NOMEM); anything else comes from a host callback (IO).
template <typename F>
uint32_t guarded(F&& body) noexcept {
  try {
    return to_u32(body());
  } catch (const std::bad_alloc&) {
    return to_u32(Errno::kNomem);
  } catch (...) {
    return to_u32(Errno::kIo);
  }
}

// The buffers of an iovec array, each checked against memory. INVAL past kMaxIovecs iovecs or
// when the lengths add up past what a u32 result can report; FAULT for any out-of-range array or
// buffer.
Errno read_iovecs(GuestMemory& mem, uint32_t iovs, uint32_t iovs_len,
                  std::vector<std::span<uint8_t>>& out, uint64_t& total);

// A path argument: FAULT when out of range, NAMETOOLONG past vfs::kMaxPathLength.
Errno read_path(GuestMemory& mem, uint32_t ptr, uint32_t len, std::string_view& out);

// filestat of stdin, stdout and stderr: no times, no size.
abi::Filestat stdio_filestat();
uint8_t filetype_of(const FdEntry& entry);
uint8_t filetype_of(vfs::FileType type);

// Decodes fst_flags into the times to set; INVAL for unknown bits or X together with X_NOW.
Errno decode_times(uint64_t atim, uint64_t mtim, uint32_t fst_flags,
                   std::optional<uint64_t>& atim_out, std::optional<uint64_t>& mtim_out);

}  // namespace eryx::wasi::detail
