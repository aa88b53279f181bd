// WasiContext::clone: a deep copy whose changes never show in the original (and vice versa).
#include <string>

#include "guest.h"

namespace eryx::testing {
namespace {

namespace abi = wasi::abi;

class WasiClone : public WasiFixture {
 protected:
  // Writes through `context` (not the fixture's) using the same guest memory.
  Errno write_to(wasi::WasiContext& context, uint32_t fd, std::string_view data) {
    uint32_t iov = guest_.ciovec(data);
    uint32_t out = guest_.alloc(4);
    return E(context.fd_write(mem(), fd, iov, 1, out));
  }
  std::string read_from(wasi::WasiContext& context, uint32_t fd, uint32_t n) {
    uint32_t buf = guest_.alloc(n);
    uint32_t iov = guest_.iovecs({{buf, n}});
    uint32_t out = guest_.alloc(4);
    EXPECT_EQ(E(context.fd_read(mem(), fd, iov, 1, out)), Errno::kSuccess);
    return guest_.str(buf, guest_.get<uint32_t>(out));
  }
};

TEST_F(WasiClone, WritesInTheCloneDoNotReachTheOriginal) {
  ASSERT_EQ(ctx().vfs().write_file("/tmp/f", "original"), vfs::Status::kOk);
  auto copy = ctx().clone();
  ASSERT_EQ(copy->vfs().write_file("/tmp/f", "changed"), vfs::Status::kOk);
  ASSERT_EQ(copy->vfs().write_file("/tmp/new", "x"), vfs::Status::kOk);
  EXPECT_EQ(read_file("/tmp/f"), "original");
  EXPECT_EQ(read_file("/tmp/new"), "<missing>");
  EXPECT_EQ(copy->vfs().read_file("/tmp/f"), "changed");
}

TEST_F(WasiClone, OpenFdInTheCloneReadsTheClonesData) {
  uint32_t fd = create("tmp/f");
  write(fd, "before");
  seek(fd, 0, abi::kWhenceSet);
  auto copy = ctx().clone();
  ASSERT_EQ(copy->vfs().write_file("/tmp/f", "CLONE!"), vfs::Status::kOk);
  EXPECT_EQ(read_from(*copy, fd, 100), "CLONE!");
  EXPECT_EQ(read(fd, 100), "before");
}

TEST_F(WasiClone, WritesThroughTheCloneFdStayInTheClone) {
  uint32_t fd = create("tmp/f");
  auto copy = ctx().clone();
  EXPECT_EQ(write_to(*copy, fd, "clone data"), Errno::kSuccess);
  EXPECT_EQ(read_file("/tmp/f"), "");
  EXPECT_EQ(copy->vfs().read_file("/tmp/f"), "clone data");
  EXPECT_EQ(copy->vfs().used_bytes(), 10u);
  EXPECT_EQ(ctx().vfs().used_bytes(), 0u);
}

TEST_F(WasiClone, FdOffsetsAreCopiedThenIndependent) {
  ASSERT_EQ(ctx().vfs().write_file("/tmp/f", "abcdef"), vfs::Status::kOk);
  uint32_t fd = 0;
  ASSERT_EQ(open("tmp/f", 0, kReadRights, fd), Errno::kSuccess);
  EXPECT_EQ(read(fd, 2), "ab");
  auto copy = ctx().clone();
  EXPECT_EQ(read_from(*copy, fd, 2), "cd");
  EXPECT_EQ(read(fd, 2), "cd");
}

TEST_F(WasiClone, UnlinkedOpenFileIsCopiedForTheClone) {
  uint32_t fd = create("tmp/f");
  write(fd, "ghost");
  unlink("tmp/f");
  auto copy = ctx().clone();
  EXPECT_EQ(write_to(*copy, fd, "!"), Errno::kSuccess);
  seek(fd, 0, abi::kWhenceSet);
  EXPECT_EQ(read(fd, 100), "ghost");
}

TEST_F(WasiClone, DirectoryFdInTheClonePointsAtTheClonesTree) {
  mkdir("tmp/d");
  uint32_t dir = 0;
  ASSERT_EQ(open("tmp/d", abi::kOflagDirectory, kReadRights, dir), Errno::kSuccess);
  auto copy = ctx().clone();
  uint32_t p = guest_.put("sub");
  EXPECT_EQ(E(copy->path_create_directory(mem(), dir, p, 3)), Errno::kSuccess);
  EXPECT_TRUE(copy->vfs().lookup(copy->vfs().root(), "/tmp/d/sub", true).ok());
  EXPECT_FALSE(ctx().vfs().lookup(ctx().vfs().root(), "/tmp/d/sub", true).ok());
}

TEST_F(WasiClone, CapturedOutputIsCopiedAndIndependent) {
  write(1, "before ");
  auto copy = ctx().clone();
  write_to(*copy, 1, "clone");
  write(1, "original");
  EXPECT_EQ(copy->stdout_capture().data(), "before clone");
  EXPECT_EQ(ctx().stdout_capture().data(), "before original");
}

TEST_F(WasiClone, ArgsAndPreopenSurviveTheClone) {
  auto copy = ctx().clone();
  uint32_t buf = guest_.alloc(sizeof(abi::Prestat));
  EXPECT_EQ(E(copy->fd_prestat_get(mem(), 3, buf)), Errno::kSuccess);
  uint32_t count = guest_.alloc(4);
  uint32_t size = guest_.alloc(4);
  EXPECT_EQ(E(copy->args_sizes_get(mem(), count, size)), Errno::kSuccess);
  EXPECT_EQ(guest_.get<uint32_t>(count), 1u);
}

}  // namespace
}  // namespace eryx::testing
