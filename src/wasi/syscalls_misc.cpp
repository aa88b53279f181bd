// Arguments, environment, randomness, process and the (absent) sockets.
#include <sys/random.h>

#include <cerrno>
#include <string>
#include <vector>

#include "wasi/abi.h"
#include "wasi/context.h"
#include "wasi/syscall_support.h"

namespace eryx::wasi {
namespace {

using detail::guarded;

// Writes a C-style string list (argv or environ): pointers into `list_ptr`, NUL-terminated
// strings packed into `buf_ptr`. Both regions are checked before anything is written.
Errno write_string_list(GuestMemory& mem, const std::vector<std::string>& strings,
                        uint32_t list_ptr, uint32_t buf_ptr) {
  uint64_t total = 0;
  for (const auto& s : strings) total += s.size() + 1;
  if (total > UINT32_MAX) return Errno::kOverflow;
  if (!mem.array(list_ptr, static_cast<uint32_t>(strings.size()), 4) ||
      !mem.contains(buf_ptr, total)) {
    return Errno::kFault;
  }
  uint64_t offset = buf_ptr;
  for (size_t i = 0; i < strings.size(); ++i) {
    (void)mem.write<uint32_t>(static_cast<uint64_t>(list_ptr) + 4 * i,
                              static_cast<uint32_t>(offset));
    (void)mem.write_bytes(offset, strings[i]);
    (void)mem.write<uint8_t>(offset + strings[i].size(), 0);
    offset += strings[i].size() + 1;
  }
  return Errno::kSuccess;
}

Errno write_sizes(GuestMemory& mem, const std::vector<std::string>& strings, uint32_t count_ptr,
                  uint32_t size_ptr) {
  uint64_t total = 0;
  for (const auto& s : strings) total += s.size() + 1;
  if (total > UINT32_MAX) return Errno::kOverflow;
  if (!mem.contains(count_ptr, 4) || !mem.contains(size_ptr, 4)) return Errno::kFault;
  (void)mem.write<uint32_t>(count_ptr, static_cast<uint32_t>(strings.size()));
  (void)mem.write<uint32_t>(size_ptr, static_cast<uint32_t>(total));
  return Errno::kSuccess;
}

std::vector<std::string> environ_strings(const WasiOptions& options) {
  std::vector<std::string> out;
  out.reserve(options.env.size());
  for (const auto& [name, value] : options.env) out.push_back(name + "=" + value);
  return out;
}

// No sockets exist: an fd is either not open (BADF) or not a socket (NOTSOCK).
Errno no_socket(const FdTable& fds, uint32_t fd) {
  return fds.get(fd) ? Errno::kNotsock : Errno::kBadf;
}

}  // namespace

uint32_t WasiContext::args_sizes_get(GuestMemory& mem, uint32_t argc_ptr,
                                     uint32_t argv_buf_size_ptr) {
  return guarded([&] { return write_sizes(mem, options_.args, argc_ptr, argv_buf_size_ptr); });
}

uint32_t WasiContext::args_get(GuestMemory& mem, uint32_t argv, uint32_t argv_buf) {
  return guarded([&] { return write_string_list(mem, options_.args, argv, argv_buf); });
}

uint32_t WasiContext::environ_sizes_get(GuestMemory& mem, uint32_t count_ptr,
                                        uint32_t buf_size_ptr) {
  return guarded(
      [&] { return write_sizes(mem, environ_strings(options_), count_ptr, buf_size_ptr); });
}

uint32_t WasiContext::environ_get(GuestMemory& mem, uint32_t environ, uint32_t environ_buf) {
  return guarded(
      [&] { return write_string_list(mem, environ_strings(options_), environ, environ_buf); });
}

bool WasiContext::fill_random(std::span<uint8_t> out) {
  if (options_.entropy) return options_.entropy(out);
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

uint32_t WasiContext::random_get(GuestMemory& mem, uint32_t buf, uint32_t buf_len) {
  return guarded([&] {
    auto out = mem.bytes(buf, buf_len);
    if (!out) return Errno::kFault;
    return fill_random(*out) ? Errno::kSuccess : Errno::kIo;
  });
}

void WasiContext::proc_exit(GuestMemory&, uint32_t code) { exit_code_ = code; }

uint32_t WasiContext::proc_raise(GuestMemory&, uint32_t) { return to_u32(Errno::kNotsup); }

uint32_t WasiContext::sched_yield(GuestMemory&) { return to_u32(Errno::kSuccess); }

uint32_t WasiContext::sock_accept(GuestMemory&, uint32_t fd, uint32_t, uint32_t) {
  return to_u32(no_socket(fds_, fd));
}

uint32_t WasiContext::sock_recv(GuestMemory&, uint32_t fd, uint32_t, uint32_t, uint32_t, uint32_t,
                                uint32_t) {
  return to_u32(no_socket(fds_, fd));
}

uint32_t WasiContext::sock_send(GuestMemory&, uint32_t fd, uint32_t, uint32_t, uint32_t, uint32_t) {
  return to_u32(no_socket(fds_, fd));
}

uint32_t WasiContext::sock_shutdown(GuestMemory&, uint32_t fd, uint32_t) {
  return to_u32(no_socket(fds_, fd));
}

}  // namespace eryx::wasi
