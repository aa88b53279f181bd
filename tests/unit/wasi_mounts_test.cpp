// Extra mounts in the WASI layer: preopens 4, 5, ..., path calls routed to the mount of their
// directory fd, EXDEV across mounts, device numbers, copies and state snapshots.
#include <stdexcept>
#include <string>

#include "guest.h"
#include "vfs/byte_codec.h"
#include "vfs/tree_mount.h"
#include "wasi/state_codec.h"

namespace eryx::testing {
namespace {

namespace abi = wasi::abi;
constexpr uint32_t kDataFd = 4;

std::shared_ptr<vfs::TreeMount> storage_mount(uint64_t quota = 1024) {
  auto tree = std::make_shared<vfs::Vfs>(vfs::VfsOptions{.quota_bytes = quota, .max_entries = 100});
  tree->root()->set_read_only(false);
  return vfs::TreeMount::make(tree, /*locked=*/true);
}

class WasiMounts : public WasiFixture {
 protected:
  WasiMounts() {
    wasi::WasiOptions options;
    options.mounts.push_back({"/data", storage_});
    make_context(std::move(options));
  }

  Errno open_at(uint32_t dir_fd, std::string_view path, uint32_t oflags, uint64_t rights,
                uint32_t& fd) {
    return open(path, oflags, rights, fd, 0, dir_fd);
  }
  uint32_t create_at(uint32_t dir_fd, std::string_view path) {
    uint32_t fd = 0;
    EXPECT_EQ(open_at(dir_fd, path, abi::kOflagCreat | abi::kOflagTrunc, kWriteRights, fd),
              Errno::kSuccess);
    return fd;
  }
  Errno rename_between(uint32_t from_fd, std::string_view from, uint32_t to_fd,
                       std::string_view to) {
    uint32_t a = guest_.put(from);
    uint32_t b = guest_.put(to);
    return E(ctx().path_rename(mem(), from_fd, a, static_cast<uint32_t>(from.size()), to_fd, b,
                               static_cast<uint32_t>(to.size())));
  }
  Errno stat_at(uint32_t dir_fd, std::string_view path, abi::Filestat& out) {
    uint32_t p = guest_.put(path);
    uint32_t buf = guest_.alloc(sizeof(abi::Filestat));
    Errno e = E(ctx().path_filestat_get(mem(), dir_fd, abi::kLookupSymlinkFollow, p,
                                        static_cast<uint32_t>(path.size()), buf));
    out = guest_.get<abi::Filestat>(buf);
    return e;
  }
  std::string prestat_name(uint32_t fd) {
    uint32_t buf = guest_.alloc(sizeof(abi::Prestat));
    EXPECT_EQ(E(ctx().fd_prestat_get(mem(), fd, buf)), Errno::kSuccess);
    auto prestat = guest_.get<abi::Prestat>(buf);
    uint32_t name = guest_.alloc(prestat.pr_name_len, 1);
    EXPECT_EQ(E(ctx().fd_prestat_dir_name(mem(), fd, name, prestat.pr_name_len)), Errno::kSuccess);
    return guest_.str(name, prestat.pr_name_len);
  }
  std::string storage_file(std::string_view path) {
    auto data = storage_->vfs()->read_file(path);
    return data ? *data : "<missing>";
  }

  std::shared_ptr<vfs::TreeMount> storage_ = storage_mount();
};

TEST_F(WasiMounts, MountIsTheNextPreopenNamedByItsPath) {
  EXPECT_EQ(prestat_name(wasi::kPreopenFd), "/");
  EXPECT_EQ(prestat_name(kDataFd), "/data");
  uint32_t buf = guest_.alloc(sizeof(abi::Prestat));
  EXPECT_EQ(E(ctx().fd_prestat_get(mem(), kDataFd + 1, buf)), Errno::kBadf);
}

TEST_F(WasiMounts, MountPointIsAnEmptyReadOnlyDirectoryOfTheRootTree) {
  abi::Filestat st{};
  ASSERT_EQ(stat("/data", st), Errno::kSuccess);
  EXPECT_EQ(st.filetype, abi::kFiletypeDirectory);
  EXPECT_EQ(mkdir("/data/x"), Errno::kRofs);  // through fd 3: the mount point itself
}

TEST_F(WasiMounts, PathCallsOnTheMountFdReachTheMount) {
  uint32_t fd = create_at(kDataFd, "report.txt");
  ASSERT_EQ(write(fd, "shared"), Errno::kSuccess);
  EXPECT_EQ(storage_file("/report.txt"), "shared");
  EXPECT_EQ(read_file("/data/report.txt"), "<missing>");  // not in the private tree
}

TEST_F(WasiMounts, DotDotFromTheMountStaysInsideIt) {
  uint32_t fd = 0;
  EXPECT_EQ(open_at(kDataFd, "../tmp/x", abi::kOflagCreat, kWriteRights, fd), Errno::kNoent);
  ASSERT_EQ(open_at(kDataFd, "../../y", abi::kOflagCreat, kWriteRights, fd), Errno::kSuccess);
  EXPECT_EQ(storage_file("/y"), "");
}

TEST_F(WasiMounts, RenameBetweenMountsIsCrossDevice) {
  create_at(kDataFd, "a");
  create("/tmp/b");
  EXPECT_EQ(rename_between(kDataFd, "a", wasi::kPreopenFd, "tmp/a"), Errno::kXdev);
  EXPECT_EQ(rename_between(wasi::kPreopenFd, "tmp/b", kDataFd, "b"), Errno::kXdev);
  EXPECT_EQ(rename_between(kDataFd, "a", kDataFd, "c"), Errno::kSuccess);
  EXPECT_EQ(storage_file("/c"), "");
}

TEST_F(WasiMounts, HardLinkBetweenMountsIsCrossDevice) {
  create("/tmp/f");
  uint32_t a = guest_.put("tmp/f");
  uint32_t b = guest_.put("f");
  EXPECT_EQ(E(ctx().path_link(mem(), wasi::kPreopenFd, 0, a, 5, kDataFd, b, 1)), Errno::kXdev);
}

TEST_F(WasiMounts, EachMountHasItsOwnDeviceNumber) {
  create_at(kDataFd, "f");
  create("/tmp/f");
  abi::Filestat in_mount{}, in_root{};
  ASSERT_EQ(stat_at(kDataFd, "f", in_mount), Errno::kSuccess);
  ASSERT_EQ(stat("/tmp/f", in_root), Errno::kSuccess);
  EXPECT_NE(in_mount.dev, in_root.dev);
}

TEST_F(WasiMounts, QuotaOfTheMountIsNoSpaceInTheGuest) {
  uint32_t fd = create_at(kDataFd, "big");
  EXPECT_EQ(write(fd, std::string(2000, 'x')), Errno::kNospc);
  EXPECT_EQ(write(fd, "fits"), Errno::kSuccess);
  EXPECT_EQ(storage_file("/big"), "fits");
}

TEST_F(WasiMounts, OnlyInitialFdsCountsTheMountPreopens) {
  EXPECT_TRUE(ctx().only_initial_fds_open());
  create_at(kDataFd, "f");
  EXPECT_FALSE(ctx().only_initial_fds_open());
}

TEST_F(WasiMounts, CopySharesTheMountAndItsOpenFiles) {
  uint32_t fd = create_at(kDataFd, "f");
  ASSERT_EQ(write(fd, "one"), Errno::kSuccess);
  auto copy = ctx().clone();
  auto original = std::move(ctx_);
  ctx_ = std::move(copy);
  ASSERT_EQ(write(fd, ",two"), Errno::kSuccess);  // the copy's fd, own offset 3
  EXPECT_EQ(storage_file("/f"), "one,two");
  ctx_ = std::move(original);
  EXPECT_EQ(prestat_name(kDataFd), "/data");
}

TEST_F(WasiMounts, StateSnapshotLeavesTheMountPreopenOut) {
  codec::Writer out;
  wasi::encode_state(ctx(), out);
  // A fresh context with the same mount takes the state and keeps its own preopen.
  wasi::WasiOptions options;
  options.vfs = default_vfs();
  options.mounts.push_back({"/data", storage_});
  wasi::WasiContext restored(std::move(options));
  codec::Reader in(out.str());
  wasi::decode_state(in, restored);
  EXPECT_TRUE(restored.only_initial_fds_open());
  ASSERT_NE(restored.fd_table().get(kDataFd), nullptr);
  EXPECT_EQ(restored.fd_table().get(kDataFd)->preopen_name, "/data");
  EXPECT_TRUE(restored.take_preopens_changed());
}

TEST_F(WasiMounts, StateSnapshotWithAFileOpenOnTheMountIsRefused) {
  create_at(kDataFd, "open.txt");
  codec::Writer out;
  EXPECT_THROW(wasi::encode_state(ctx(), out), std::runtime_error);
}

TEST_F(WasiMounts, StateSnapshotWithAnFdRenumberedOverTheMountIsRefused) {
  uint32_t fd = create("/tmp/f");
  ASSERT_EQ(E(ctx().fd_renumber(mem(), fd, kDataFd)), Errno::kSuccess);
  codec::Writer out;
  EXPECT_THROW(wasi::encode_state(ctx(), out), std::runtime_error);
}

TEST_F(WasiMounts, StateDecodedWithoutTheMountDropsIt) {
  codec::Writer out;
  wasi::encode_state(ctx(), out);
  wasi::WasiOptions options;
  options.vfs = default_vfs();
  wasi::WasiContext restored(std::move(options));
  codec::Reader in(out.str());
  wasi::decode_state(in, restored);
  EXPECT_EQ(restored.fd_table().get(kDataFd), nullptr);
  EXPECT_TRUE(restored.only_initial_fds_open());
}

TEST_F(WasiMounts, ConstructorMountsNeedNoPreopenReset) {
  EXPECT_FALSE(ctx().take_preopens_changed());
}

TEST_F(WasiMounts, MountAddedLaterAsksTheGuestToListPreopensOnce) {
  ctx().add_mount("/more", storage_mount());
  EXPECT_EQ(prestat_name(kDataFd + 1), "/more");
  EXPECT_TRUE(ctx().take_preopens_changed());
  EXPECT_FALSE(ctx().take_preopens_changed());
}

TEST_F(WasiMounts, BadMountPathsAreRefused) {
  for (const char* path : {"data", "/", "/tmp/x", "/data", "/a/../b", "/a/", "/a//b", "/a/./b"}) {
    EXPECT_THROW(ctx().add_mount(path, storage_mount()), std::invalid_argument) << path;
  }
  EXPECT_THROW(ctx().add_mount("/usr/local/lib/python313.zip", storage_mount()),
               std::invalid_argument);
}

TEST_F(WasiMounts, MountOverAnExistingLayoutDirectoryHidesIt) {
  ctx().add_mount("/usr/local/lib", storage_mount());
  EXPECT_EQ(prestat_name(kDataFd + 1), "/usr/local/lib");
}

TEST_F(WasiMounts, MountAfterTheGuestOpenedFilesIsRefused) {
  create("/tmp/f");  // takes fd 5: the next mount's place
  EXPECT_THROW(ctx().add_mount("/more", storage_mount()), std::logic_error);
}

TEST_F(WasiMounts, ReaddirOfTheMountListsItsFiles) {
  create_at(kDataFd, "only");
  uint32_t buf = guest_.alloc(256);
  uint32_t used = guest_.alloc(4);
  ASSERT_EQ(E(ctx().fd_readdir(mem(), kDataFd, buf, 256, 0, used)), Errno::kSuccess);
  std::string raw = guest_.str(buf, guest_.get<uint32_t>(used));
  EXPECT_NE(raw.find("only"), std::string::npos);
}

}  // namespace
}  // namespace eryx::testing
