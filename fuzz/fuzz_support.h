// What the fuzz targets share: a reader that turns the fuzzer's bytes into values front to back
// (so seeds can be written by hand, fuzz/make_seeds.py), and the fresh WASI context the restoring
// side of a session snapshot starts from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vfs/byte_codec.h"
#include "vfs/vfs.h"
#include "wasi/abi.h"
#include "wasi/context.h"
#include "wasi/state_codec.h"

namespace eryx::fuzz {

// Reads from the front; past the end every value is 0 and every string empty, so any input is a
// complete program.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  template <typename T>
  T get() {
    T value{};
    size_t n = sizeof(T) < left() ? sizeof(T) : left();
    std::memcpy(&value, data_ + pos_, n);
    pos_ += n;
    return value;
  }
  std::string_view bytes(size_t n) {
    if (n > left()) n = left();
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }
  std::string_view rest() { return bytes(left()); }
  bool empty() const { return pos_ == size_; }
  size_t left() const { return size_ - pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Small limits, so that a few bytes asking for a huge file or tree fail fast instead of spending
// the fuzzer's memory (the real limits are checked the same way, only larger).
inline constexpr uint64_t kQuotaBytes = 1 << 20;
inline constexpr uint64_t kMaxEntries = 4096;

inline std::shared_ptr<vfs::Vfs> fresh_layout() {
  static const auto zip = std::make_shared<const std::string>("PK\x05\x06 fuzz stdlib zip");
  return vfs::make_default_layout(
      "python313.zip", zip,
      vfs::VfsOptions{.quota_bytes = kQuotaBytes, .max_entries = kMaxEntries});
}

// What a sandbox's store starts with, minus the engine. Waits end at once (the interrupt check
// always says stop) and entropy is fixed: runs are fast and reproducible.
inline std::unique_ptr<wasi::WasiContext> fresh_context(uint32_t max_fds = 64) {
  wasi::WasiOptions options;
  options.vfs = fresh_layout();
  options.max_fds = max_fds;
  options.stdout_max_bytes = 4096;
  options.stderr_max_bytes = 4096;
  options.interrupt_check = [] { return true; };
  options.entropy = [](std::span<uint8_t> out) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 31 + 7);
    return true;
  };
  return std::make_unique<wasi::WasiContext>(std::move(options));
}

// A fuzzer found a bug that is not a memory error: abort, so libFuzzer saves the input.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

// Uses every open fd of a restored context the way a resumed guest would (stat, read, list the
// directory), so that a restored structure the syscalls cannot handle shows up here, not only in
// the decoder.
inline void touch_every_fd(wasi::WasiContext& context) {
  std::vector<uint8_t> bytes(16 * 1024);
  wasi::GuestMemory mem(bytes.data(), bytes.size());
  constexpr uint32_t kOut = 64, kBuf = 4096, kIov = 1024;
  wasi::abi::Iovec iov{kBuf, 2048};
  std::memcpy(bytes.data() + kIov, &iov, sizeof iov);
  std::memcpy(bytes.data() + 2048, ".", 1);
  for (uint32_t fd = 0; fd < context.fd_table().max_fds(); ++fd) {
    if (!context.fd_table().get(fd)) continue;
    context.fd_fdstat_get(mem, fd, kOut);
    context.fd_filestat_get(mem, fd, kOut);
    context.fd_prestat_get(mem, fd, kOut);
    context.fd_readdir(mem, fd, kBuf, 8192, 0, kOut);
    context.fd_pread(mem, fd, kIov, 1, 0, kOut);
    context.fd_read(mem, fd, kIov, 1, kOut);
    context.fd_tell(mem, fd, kOut);
    context.path_filestat_get(mem, fd, wasi::abi::kLookupSymlinkFollow, 2048, 1, kOut);
  }
}

// A state that was read once must be written and read again to the same bytes: what a session
// snapshot of a restored session does. Aborts when it is not.
inline void check_state_round_trip(const wasi::WasiContext& context) {
  codec::Writer first;
  try {
    wasi::encode_state(context, first);
  } catch (const std::runtime_error&) {
    fail("a decoded WASI state cannot be encoded again");
  }
  auto restored = fresh_context(context.fd_table().max_fds());
  codec::Reader in(first.str());
  try {
    wasi::decode_state(in, *restored);
  } catch (const std::exception&) {
    fail("an encoded WASI state cannot be decoded");
  }
  if (!in.done()) fail("an encoded WASI state leaves trailing bytes");
  codec::Writer second;
  wasi::encode_state(*restored, second);
  if (second.str() != first.str()) fail("a WASI state changes when encoded again");
}

}  // namespace eryx::fuzz
