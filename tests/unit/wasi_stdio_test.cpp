// fd 0-2: stdin at EOF, stdout/stderr captured, none a tty.
#include <string>

#include "guest.h"

namespace eryx::testing {
namespace {

using wasi::abi::Fdstat;

class WasiStdio : public WasiFixture {};

TEST_F(WasiStdio, StdoutWriteIsCaptured) {
  uint32_t written = 0;
  EXPECT_EQ(write(1, "hello\n", &written), Errno::kSuccess);
  EXPECT_EQ(written, 6u);
  EXPECT_EQ(ctx().stdout_capture().data(), "hello\n");
  EXPECT_EQ(ctx().stderr_capture().data(), "");
}

TEST_F(WasiStdio, StderrWriteIsCaptured) {
  EXPECT_EQ(write(2, "oops"), Errno::kSuccess);
  EXPECT_EQ(ctx().stderr_capture().data(), "oops");
}

TEST_F(WasiStdio, SeveralIovecsAreWrittenInOrder) {
  uint32_t a = guest_.put("ab");
  uint32_t b = guest_.put("cde");
  uint32_t iov = guest_.iovecs({{a, 2}, {b, 3}, {a, 0}});
  uint32_t out = guest_.alloc(4);
  EXPECT_EQ(E(ctx().fd_write(mem(), 1, iov, 3, out)), Errno::kSuccess);
  EXPECT_EQ(guest_.get<uint32_t>(out), 5u);
  EXPECT_EQ(ctx().stdout_capture().data(), "abcde");
}

TEST_F(WasiStdio, OutputPastTheCapIsDroppedButReportedWritten) {
  wasi::WasiOptions options;
  options.stdout_max_bytes = 10;
  make_context(std::move(options));
  std::string big(100, 'x');
  uint32_t written = 0;
  EXPECT_EQ(write(1, big, &written), Errno::kSuccess);
  EXPECT_EQ(written, 100u);
  EXPECT_EQ(ctx().stdout_capture().data(), std::string(10, 'x'));
  EXPECT_TRUE(ctx().stdout_capture().truncated());
  EXPECT_EQ(ctx().stdout_capture().total_bytes(), 100u);
}

TEST_F(WasiStdio, StreamingHandlerReceivesEachWrite) {
  std::string streamed;
  wasi::WasiOptions options;
  options.stdout_max_bytes = 2;
  options.on_stdout = [&](std::string_view s) { streamed.append(s).append("|"); };
  make_context(std::move(options));
  write(1, "one");
  write(1, "two");
  EXPECT_EQ(streamed, "one|two|");
}

TEST_F(WasiStdio, StdinReadsEndOfFile) {
  Errno e = Errno::kIo;
  EXPECT_EQ(read(0, 16, &e), "");
  EXPECT_EQ(e, Errno::kSuccess);
}

TEST_F(WasiStdio, StdinIsNotWritableAndStdoutNotReadable) {
  EXPECT_EQ(write(0, "x"), Errno::kBadf);
  Errno e = Errno::kSuccess;
  read(1, 4, &e);
  EXPECT_EQ(e, Errno::kBadf);
}

TEST_F(WasiStdio, StdioIsNotATtyForWasiLibc) {
  for (uint32_t fd = 0; fd < 3; ++fd) {
    uint32_t buf = guest_.alloc(sizeof(Fdstat));
    ASSERT_EQ(E(ctx().fd_fdstat_get(mem(), fd, buf)), Errno::kSuccess);
    auto stat = guest_.get<Fdstat>(buf);
    // wasi-libc's isatty(): CHARACTER_DEVICE and neither FD_SEEK nor FD_TELL.
    bool isatty = stat.fs_filetype == wasi::abi::kFiletypeCharacterDevice &&
                  (stat.fs_rights_base & (wasi::abi::kRightFdSeek | wasi::abi::kRightFdTell)) == 0;
    EXPECT_FALSE(isatty) << "fd " << fd;
  }
}

TEST_F(WasiStdio, StdioCannotSeek) {
  EXPECT_EQ(seek(1, 0, wasi::abi::kWhenceCur), Errno::kSpipe);
  uint32_t out = guest_.alloc(8);
  EXPECT_EQ(E(ctx().fd_tell(mem(), 0, out)), Errno::kSpipe);
}

TEST_F(WasiStdio, ClosedStdoutIsBadf) {
  EXPECT_EQ(E(ctx().fd_close(mem(), 1)), Errno::kSuccess);
  EXPECT_EQ(write(1, "x"), Errno::kBadf);
}

}  // namespace
}  // namespace eryx::testing
