// Test helpers: a guest linear memory as a real byte buffer, and a WasiContext driven through it
// exactly as a guest would (paths and iovecs written into memory, results read back).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "vfs/vfs.h"
#include "wasi/abi.h"
#include "wasi/context.h"
#include "wasi/errno.h"
#include "wasi/guest_memory.h"

namespace eryx::wasi {
// Readable gtest failures: "errno 44" instead of raw bytes.
inline void PrintTo(Errno e, std::ostream* os) { *os << "errno " << static_cast<int>(e); }
}  // namespace eryx::wasi

namespace eryx::testing {

using wasi::Errno;

inline Errno E(uint32_t raw) { return static_cast<Errno>(raw); }

// A guest memory with a bump allocator. Address 0 stays unused, like a null page.
class Guest {
 public:
  explicit Guest(size_t size = 64 * 1024) : bytes_(size), mem_(bytes_.data(), bytes_.size()) {}

  wasi::GuestMemory& mem() { return mem_; }
  uint32_t size() const { return static_cast<uint32_t>(bytes_.size()); }
  uint8_t* data() { return bytes_.data(); }

  uint32_t alloc(size_t n, size_t align = 8) {
    next_ = (next_ + align - 1) / align * align;
    uint32_t ptr = next_;
    next_ += static_cast<uint32_t>(n);
    if (next_ > bytes_.size()) throw std::runtime_error("test guest memory exhausted");
    return ptr;
  }
  uint32_t put(std::string_view s) {
    uint32_t ptr = alloc(s.size(), 1);
    if (!s.empty()) std::memcpy(bytes_.data() + ptr, s.data(), s.size());
    return ptr;
  }
  // An iovec array with one entry per buffer.
  uint32_t iovecs(const std::vector<wasi::abi::Iovec>& iovs) {
    uint32_t ptr = alloc(iovs.size() * sizeof(wasi::abi::Iovec), 4);
    if (!iovs.empty()) std::memcpy(bytes_.data() + ptr, iovs.data(), iovs.size() * 8);
    return ptr;
  }
  // One ciovec over a copy of `data`; returns the iovec array.
  uint32_t ciovec(std::string_view data) {
    uint32_t buf = put(data);
    return iovecs({{buf, static_cast<uint32_t>(data.size())}});
  }
  template <typename T>
  T get(uint32_t ptr) {
    T value;
    std::memcpy(&value, bytes_.data() + ptr, sizeof(T));
    return value;
  }
  std::string str(uint32_t ptr, size_t n) {
    return std::string(reinterpret_cast<const char*>(bytes_.data()) + ptr, n);
  }
  void reset_heap() { next_ = 16; }

 private:
  std::vector<uint8_t> bytes_;
  wasi::GuestMemory mem_;
  uint32_t next_ = 16;
};

// The engine's default layout with a small fake stdlib zip.
inline std::shared_ptr<vfs::Vfs> default_vfs(vfs::VfsOptions options = {}) {
  return vfs::make_default_layout(
      "python313.zip", std::make_shared<const std::string>("PK\x05\x06 fake zip"), options);
}

// A WasiContext over the default layout, with helpers that go through guest memory.
class WasiFixture : public ::testing::Test {
 protected:
  explicit WasiFixture(wasi::WasiOptions options = {}) { make_context(std::move(options)); }

  void make_context(wasi::WasiOptions options) {
    if (!options.vfs) options.vfs = default_vfs();
    ctx_ = std::make_unique<wasi::WasiContext>(std::move(options));
  }

  wasi::GuestMemory& mem() { return guest_.mem(); }
  wasi::WasiContext& ctx() { return *ctx_; }

  static constexpr uint64_t kReadRights = wasi::abi::kRightFdRead | wasi::abi::kRightFdSeek |
                                          wasi::abi::kRightFdTell | wasi::abi::kRightFdReaddir |
                                          wasi::abi::kRightFdFilestatGet;
  static constexpr uint64_t kWriteRights = kReadRights | wasi::abi::kRightFdWrite |
                                           wasi::abi::kRightFdAllocate |
                                           wasi::abi::kRightFdFilestatSetSize;

  // path_open relative to `dir_fd`, passing on every right to inherit as wasi-libc does;
  // returns errno and the new fd in `fd`.
  Errno open(std::string_view path, uint32_t oflags, uint64_t rights, uint32_t& fd,
             uint32_t fdflags = 0, uint32_t dir_fd = wasi::kPreopenFd,
             uint32_t lookup = wasi::abi::kLookupSymlinkFollow,
             uint64_t inheriting = wasi::abi::kRightsAll) {
    uint32_t p = guest_.put(path);
    uint32_t out = guest_.alloc(4, 4);
    Errno e = E(ctx_->path_open(mem(), dir_fd, lookup, p, static_cast<uint32_t>(path.size()),
                                oflags, rights, inheriting, fdflags, out));
    fd = guest_.get<uint32_t>(out);
    return e;
  }
  // Creates (or truncates) a file for writing.
  uint32_t create(std::string_view path) {
    uint32_t fd = 0;
    EXPECT_EQ(open(path, wasi::abi::kOflagCreat | wasi::abi::kOflagTrunc, kWriteRights, fd),
              Errno::kSuccess)
        << path;
    return fd;
  }
  Errno write(uint32_t fd, std::string_view data, uint32_t* written = nullptr) {
    uint32_t iov = guest_.ciovec(data);
    uint32_t out = guest_.alloc(4, 4);
    Errno e = E(ctx_->fd_write(mem(), fd, iov, 1, out));
    if (written) *written = guest_.get<uint32_t>(out);
    return e;
  }
  // Reads up to n bytes; the errno goes to *err when given.
  std::string read(uint32_t fd, uint32_t n, Errno* err = nullptr) {
    uint32_t buf = guest_.alloc(n, 1);
    uint32_t iov = guest_.iovecs({{buf, n}});
    uint32_t out = guest_.alloc(4, 4);
    Errno e = E(ctx_->fd_read(mem(), fd, iov, 1, out));
    if (err) *err = e;
    if (e != Errno::kSuccess) return {};
    return guest_.str(buf, guest_.get<uint32_t>(out));
  }
  Errno path_call(uint32_t (wasi::WasiContext::*f)(wasi::GuestMemory&, uint32_t, uint32_t,
                                                   uint32_t),
                  std::string_view path, uint32_t dir_fd = wasi::kPreopenFd) {
    uint32_t p = guest_.put(path);
    return E(((*ctx_).*f)(mem(), dir_fd, p, static_cast<uint32_t>(path.size())));
  }
  Errno mkdir(std::string_view path) {
    return path_call(&wasi::WasiContext::path_create_directory, path);
  }
  Errno rmdir(std::string_view path) {
    return path_call(&wasi::WasiContext::path_remove_directory, path);
  }
  Errno unlink(std::string_view path) {
    return path_call(&wasi::WasiContext::path_unlink_file, path);
  }
  Errno rename(std::string_view from, std::string_view to) {
    uint32_t a = guest_.put(from);
    uint32_t b = guest_.put(to);
    return E(ctx_->path_rename(mem(), wasi::kPreopenFd, a, static_cast<uint32_t>(from.size()),
                               wasi::kPreopenFd, b, static_cast<uint32_t>(to.size())));
  }
  Errno stat(std::string_view path, wasi::abi::Filestat& out,
             uint32_t flags = wasi::abi::kLookupSymlinkFollow) {
    uint32_t p = guest_.put(path);
    uint32_t buf = guest_.alloc(sizeof(wasi::abi::Filestat));
    Errno e = E(ctx_->path_filestat_get(mem(), wasi::kPreopenFd, flags, p,
                                        static_cast<uint32_t>(path.size()), buf));
    out = guest_.get<wasi::abi::Filestat>(buf);
    return e;
  }
  Errno seek(uint32_t fd, int64_t offset, uint8_t whence, uint64_t* result = nullptr) {
    uint32_t out = guest_.alloc(8);
    Errno e = E(ctx_->fd_seek(mem(), fd, static_cast<uint64_t>(offset), whence, out));
    if (result) *result = guest_.get<uint64_t>(out);
    return e;
  }
  std::string read_file(std::string_view path) {
    auto data = ctx_->vfs().read_file(path);
    return data ? *data : "<missing>";
  }

  Guest guest_;
  std::unique_ptr<wasi::WasiContext> ctx_;
};

}  // namespace eryx::testing
