// Host volumes driven by the WASI layer, as the guest drives them: a VolumeMount preopened at
// /data (fd 4) over a temporary host directory.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "guest.h"
#include "volumes/volume_mount.h"

namespace eryx::testing {
namespace {

namespace abi = wasi::abi;
namespace fs = std::filesystem;
constexpr uint32_t kDataFd = 4;

class WasiVolumes : public WasiFixture {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/eryx-wasi-volume-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    fs::create_directories(base_ / "vol");
    std::ofstream(base_ / "vol" / "hello.txt") << "hello";
    std::ofstream(base_ / "secret") << "secret";
  }
  void TearDown() override { fs::remove_all(base_); }

  void mount(const fs::path& host, bool read_only, uint64_t quota = 1 << 20) {
    auto m =
        volumes::open_volume_mount(host.string(), {.read_only = read_only, .quota_bytes = quota});
    ASSERT_TRUE(m.ok());
    wasi::WasiOptions options;
    options.mounts.push_back({"/data", *m});
    make_context(std::move(options));
  }
  Errno open_at(std::string_view path, uint32_t oflags, uint64_t rights, uint32_t& fd) {
    return open(path, oflags, rights, fd, 0, kDataFd);
  }
  static std::string host(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path base_;
};

TEST_F(WasiVolumes, GuestWritesReachTheHost) {
  mount(base_ / "vol", false);
  uint32_t fd = 0;
  ASSERT_EQ(open_at("out.txt", abi::kOflagCreat | abi::kOflagTrunc, kWriteRights, fd),
            Errno::kSuccess);
  ASSERT_EQ(write(fd, "written"), Errno::kSuccess);
  EXPECT_EQ(host(base_ / "vol" / "out.txt"), "written");
}

TEST_F(WasiVolumes, DotDotFromTheVolumeRootStaysInside) {
  mount(base_ / "vol", true);
  uint32_t fd = 0;
  EXPECT_EQ(open_at("../secret", 0, kReadRights, fd), Errno::kNoent);
  ASSERT_EQ(open_at("../../hello.txt", 0, kReadRights, fd), Errno::kSuccess);
  EXPECT_EQ(read(fd, 100), "hello");
}

TEST_F(WasiVolumes, ReadOnlyVolumeIsErofsInTheGuest) {
  mount(base_ / "vol", true);
  uint32_t fd = 0;
  EXPECT_EQ(open_at("new", abi::kOflagCreat, kWriteRights, fd), Errno::kRofs);
  EXPECT_EQ(path_call(&wasi::WasiContext::path_unlink_file, "hello.txt", kDataFd), Errno::kRofs);
  EXPECT_EQ(path_call(&wasi::WasiContext::path_create_directory, "d", kDataFd), Errno::kRofs);
  EXPECT_EQ(host(base_ / "vol" / "hello.txt"), "hello");
  EXPECT_FALSE(fs::exists(base_ / "vol" / "new"));
}

TEST_F(WasiVolumes, QuotaIsNoSpaceInTheGuest) {
  mount(base_ / "vol", false, 10);
  uint32_t fd = 0;
  ASSERT_EQ(open_at("f", abi::kOflagCreat, kWriteRights, fd), Errno::kSuccess);
  EXPECT_EQ(write(fd, std::string(11, 'x')), Errno::kNospc);
  EXPECT_EQ(fs::file_size(base_ / "vol" / "f"), 0u);
}

TEST_F(WasiVolumes, RenameToThePrivateTreeIsCrossDevice) {
  mount(base_ / "vol", false);
  uint32_t a = guest_.put("hello.txt");
  uint32_t b = guest_.put("tmp/h");
  EXPECT_EQ(E(ctx().path_rename(mem(), kDataFd, a, 9, wasi::kPreopenFd, b, 5)), Errno::kXdev);
  EXPECT_TRUE(fs::exists(base_ / "vol" / "hello.txt"));
}

TEST_F(WasiVolumes, SingleFileVolumeIsItsOwnPreopenPath) {
  std::ofstream(base_ / "vol" / "sibling") << "sibling";
  mount(base_ / "vol" / "hello.txt", true);
  uint32_t fd = 0;
  // wasi-libc opens the preopen's own path as "." relative to it.
  ASSERT_EQ(open_at(".", 0, kReadRights, fd), Errno::kSuccess);
  EXPECT_EQ(read(fd, 100), "hello");
  EXPECT_EQ(open_at("sibling", 0, kReadRights, fd), Errno::kNoent);
  EXPECT_EQ(open_at("../sibling", 0, kReadRights, fd), Errno::kNoent);
}

}  // namespace
}  // namespace eryx::testing
