// Bad guest pointers, lengths and counts: FAULT (or the capped limit's errno), never a host access
// outside the view.
#include <string>

#include "guest.h"

namespace eryx::testing {
namespace {

using wasi::abi::Iovec;

class WasiBounds : public WasiFixture {};

TEST_F(WasiBounds, IovecArrayOutsideMemoryIsFault) {
  uint32_t out = guest_.alloc(4);
  EXPECT_EQ(E(ctx().fd_write(mem(), 1, guest_.size() - 4, 1, out)), Errno::kFault);
  EXPECT_EQ(E(ctx().fd_write(mem(), 1, 0xFFFFFFF8u, 2, out)), Errno::kFault);
}

TEST_F(WasiBounds, IovecBufferPastTheEndIsFault) {
  uint32_t iov = guest_.iovecs({{guest_.size() - 2, 4}});
  uint32_t out = guest_.alloc(4);
  EXPECT_EQ(E(ctx().fd_write(mem(), 1, iov, 1, out)), Errno::kFault);
  EXPECT_EQ(ctx().stdout_capture().total_bytes(), 0u);
}

TEST_F(WasiBounds, IovecWithOverflowingPointerPlusLengthIsFault) {
  uint32_t iov = guest_.iovecs({{0xFFFFFF00u, 0x200}});
  uint32_t out = guest_.alloc(4);
  EXPECT_EQ(E(ctx().fd_write(mem(), 1, iov, 1, out)), Errno::kFault);
  EXPECT_EQ(E(ctx().fd_read(mem(), 0, iov, 1, out)), Errno::kFault);
}

TEST_F(WasiBounds, ZeroLengthIovecAtMemoryEndIsFine) {
  uint32_t iov = guest_.iovecs({{guest_.size(), 0}});
  uint32_t out = guest_.alloc(4);
  EXPECT_EQ(E(ctx().fd_write(mem(), 1, iov, 1, out)), Errno::kSuccess);
  EXPECT_EQ(guest_.get<uint32_t>(out), 0u);
}

TEST_F(WasiBounds, TooManyIovecsIsInval) {
  std::vector<Iovec> iovs(wasi::kMaxIovecs + 1, Iovec{guest_.put("x"), 1});
  uint32_t iov = guest_.iovecs(iovs);
  uint32_t out = guest_.alloc(4);
  EXPECT_EQ(E(ctx().fd_write(mem(), 1, iov, wasi::kMaxIovecs + 1, out)), Errno::kInval);
}

TEST_F(WasiBounds, IovecTotalPastU32IsInval) {
  // In-range, overlapping iovecs whose lengths add up past 4 GiB: nwritten could not report it.
  Guest big(size_t{8} << 20);
  std::vector<Iovec> iovs(wasi::kMaxIovecs, Iovec{0, big.size()});
  uint32_t iov = big.iovecs(iovs);
  uint32_t out = big.alloc(4);
  EXPECT_EQ(E(ctx().fd_write(big.mem(), 1, iov, wasi::kMaxIovecs, out)), Errno::kInval);
  EXPECT_EQ(ctx().stdout_capture().total_bytes(), 0u);
}

TEST_F(WasiBounds, ResultPointerAtMemoryEndIsFaultAndNothingWritten) {
  uint32_t iov = guest_.ciovec("data");
  EXPECT_EQ(E(ctx().fd_write(mem(), 1, iov, 1, guest_.size() - 2)), Errno::kFault);
  EXPECT_EQ(ctx().stdout_capture().total_bytes(), 0u);
}

TEST_F(WasiBounds, PathOutsideMemoryIsFault) {
  uint32_t out = guest_.alloc(4);
  EXPECT_EQ(E(ctx().path_open(mem(), wasi::kPreopenFd, 0, guest_.size() - 1, 8, 0, kReadRights, 0,
                              0, out)),
            Errno::kFault);
  EXPECT_EQ(E(ctx().path_create_directory(mem(), wasi::kPreopenFd, 0xFFFFFFFFu, 2)), Errno::kFault);
}

TEST_F(WasiBounds, PathTooLongIsNameTooLong) {
  std::string path = "tmp/" + std::string(5000, 'a');
  EXPECT_EQ(mkdir(path), Errno::kNametoolong);
}

TEST_F(WasiBounds, ComponentTooLongIsNameTooLong) {
  EXPECT_EQ(mkdir("tmp/" + std::string(300, 'a')), Errno::kNametoolong);
}

TEST_F(WasiBounds, OpenedFdPointerOutOfRangeCreatesNothing) {
  uint32_t p = guest_.put("tmp/new");
  EXPECT_EQ(E(ctx().path_open(mem(), wasi::kPreopenFd, 0, p, 7, wasi::abi::kOflagCreat,
                              kWriteRights, 0, 0, guest_.size())),
            Errno::kFault);
  EXPECT_EQ(read_file("/tmp/new"), "<missing>");
}

TEST_F(WasiBounds, FdLimitIsMfile) {
  wasi::WasiOptions options;
  options.max_fds = 8;
  make_context(std::move(options));
  uint32_t fd = 0;
  for (int i = 0; i < 4; ++i) ASSERT_EQ(open("tmp", 0, kReadRights, fd), Errno::kSuccess);
  EXPECT_EQ(open("tmp", 0, kReadRights, fd), Errno::kMfile);
  EXPECT_EQ(open("tmp/x", wasi::abi::kOflagCreat, kWriteRights, fd), Errno::kMfile);
  EXPECT_EQ(read_file("/tmp/x"), "<missing>");  // a full table creates nothing
  EXPECT_EQ(E(ctx().fd_close(mem(), 7)), Errno::kSuccess);
  EXPECT_EQ(open("tmp", 0, kReadRights, fd), Errno::kSuccess);
  EXPECT_EQ(fd, 7u);
}

TEST_F(WasiBounds, BadFdIsBadf) {
  uint32_t out = guest_.alloc(64);
  EXPECT_EQ(E(ctx().fd_fdstat_get(mem(), 99, out)), Errno::kBadf);
  EXPECT_EQ(E(ctx().fd_filestat_get(mem(), 0xFFFFFFFFu, out)), Errno::kBadf);
  EXPECT_EQ(E(ctx().fd_close(mem(), 99)), Errno::kBadf);
  EXPECT_EQ(write(99, "x"), Errno::kBadf);
}

TEST_F(WasiBounds, ReaddirBufferOutOfRangeIsFault) {
  uint32_t out = guest_.alloc(4);
  EXPECT_EQ(E(ctx().fd_readdir(mem(), wasi::kPreopenFd, guest_.size() - 10, 100, 0, out)),
            Errno::kFault);
}

TEST_F(WasiBounds, PollArraysOutOfRangeAreFault) {
  uint32_t n = guest_.alloc(4);
  EXPECT_EQ(E(ctx().poll_oneoff(mem(), guest_.size() - 40, 16, 1, n)), Errno::kFault);
  EXPECT_EQ(E(ctx().poll_oneoff(mem(), 16, 0xFFFFFFF0u, 1, n)), Errno::kFault);
}

TEST_F(WasiBounds, RandomGetOutOfRangeIsFault) {
  EXPECT_EQ(E(ctx().random_get(mem(), guest_.size() - 4, 8)), Errno::kFault);
  EXPECT_EQ(E(ctx().random_get(mem(), 0xFFFFFFFFu, 2)), Errno::kFault);
}

TEST_F(WasiBounds, ArgsBufferOutOfRangeIsFault) {
  EXPECT_EQ(E(ctx().args_get(mem(), 16, guest_.size() - 2)), Errno::kFault);
  EXPECT_EQ(E(ctx().args_sizes_get(mem(), guest_.size(), 16)), Errno::kFault);
}

}  // namespace
}  // namespace eryx::testing
