// The host-directory core of volumes, on real host directories, without an engine. Every test
// runs twice: with openat2 and with the O_NOFOLLOW walk used where openat2 is missing.
#include "volumes/host_volume.h"
#include "volumes/volume_mount.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace eryx::volumes {
namespace {

namespace fs = std::filesystem;

std::string read_host(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_host(const fs::path& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::string listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    std::error_code ec;
    const uint64_t size =
        entry.is_regular_file(ec) && !entry.is_symlink() ? entry.file_size(ec) : 0;
    names.push_back(entry.path().lexically_relative(dir).string() + ":" + std::to_string(size));
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += n + "\n";
  return out;
}

class VolumeTest : public ::testing::TestWithParam<Resolver> {
 protected:
  void SetUp() override {
    if (GetParam() == Resolver::kOpenat2 && !openat2_available()) {
      GTEST_SKIP() << "this kernel has no openat2";
    }
    char pattern[] = "/tmp/eryx-volume-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    base_ = pattern;
    vol_ = base_ / "vol";
    outside_ = base_ / "outside";
    fs::create_directories(vol_ / "sub");
    fs::create_directories(outside_);
    write_host(outside_ / "secret", "top secret");
    write_host(vol_ / "hello.txt", "hello");
  }
  void TearDown() override {
    if (!base_.empty()) fs::remove_all(base_);
  }

  std::shared_ptr<HostVolume> open_volume(bool read_only, uint64_t quota = 1 << 20) {
    auto v = HostVolume::open(
        vol_.string(), {.read_only = read_only, .quota_bytes = quota, .resolver = GetParam()});
    EXPECT_TRUE(v.ok()) << vfs::to_string(v.status());
    return v.ok() ? *v : nullptr;
  }

  // Reads a whole file of the volume through a handle.
  static std::string read_all(Handle& h) {
    std::string out(1 << 16, '\0');
    MutableChunk chunk(reinterpret_cast<uint8_t*>(out.data()), out.size());
    auto n = h.read_at(0, std::span<const MutableChunk>(&chunk, 1));
    EXPECT_TRUE(n.ok());
    out.resize(n.ok() ? *n : 0);
    return out;
  }

  static Result<uint64_t> write(Handle& h, uint64_t offset, std::string_view data) {
    ConstChunk chunk(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    return h.write_at(offset, std::span<const ConstChunk>(&chunk, 1));
  }

  fs::path base_, vol_, outside_;
};

INSTANTIATE_TEST_SUITE_P(Resolvers, VolumeTest,
                         ::testing::Values(Resolver::kOpenat2, Resolver::kWalk),
                         [](const auto& info) {
                           return info.param == Resolver::kOpenat2 ? "Openat2" : "Walk";
                         });

const OpenFlags kRead{};
const OpenFlags kCreate{.write = true, .create = true};

TEST_P(VolumeTest, ReadsAFileInside) {
  auto v = open_volume(true);
  auto h = v->open(nullptr, "hello.txt", kRead);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(read_all(**h), "hello");
}

TEST_P(VolumeTest, DotDotAboveTheRootStaysAtTheRoot) {
  auto v = open_volume(true);
  EXPECT_EQ(v->open(nullptr, "../outside/secret", kRead).status(), Status::kNotFound);
  EXPECT_EQ(v->open(nullptr, "sub/../../../../outside/secret", kRead).status(), Status::kNotFound);
  auto h = v->open(nullptr, "../../hello.txt", kRead);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(read_all(**h), "hello");
  EXPECT_EQ(v->stat(nullptr, "..", true)->ino, v->stat(nullptr, ".", true)->ino);
}

TEST_P(VolumeTest, EscapesLandOnTheSameNameInsideTheVolume) {
  // A decoy where a clamped escape lands proves the walk stayed inside.
  fs::create_directories(vol_ / "outside");
  write_host(vol_ / "outside" / "secret", "decoy");
  fs::create_symlink("../../../../outside/secret", vol_ / "sub" / "rel");
  auto v = open_volume(true);
  for (const char* path : {"../outside/secret", "/outside/secret", "sub/rel"}) {
    auto h = v->open(nullptr, path, kRead);
    ASSERT_TRUE(h.ok()) << path;
    EXPECT_EQ(read_all(**h), "decoy") << path;
  }
}

TEST_P(VolumeTest, DotDotInsideTheVolumeWorks) {
  auto v = open_volume(true);
  auto h = v->open(nullptr, "sub/../hello.txt", kRead);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(read_all(**h), "hello");
}

TEST_P(VolumeTest, AbsolutePathStartsAtTheVolumeRoot) {
  auto v = open_volume(true);
  EXPECT_EQ(v->open(nullptr, (outside_ / "secret").string(), kRead).status(), Status::kNotFound);
  auto h = v->open(nullptr, "/hello.txt", kRead);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(read_all(**h), "hello");
}

TEST_P(VolumeTest, AbsoluteSymlinkPlantedOnTheHostIsNotFollowed) {
  fs::create_symlink(outside_ / "secret", vol_ / "abs");
  fs::create_symlink("/hello.txt", vol_ / "abs_inside");
  auto v = open_volume(true);
  EXPECT_EQ(v->open(nullptr, "abs", kRead).status(), Status::kNotFound);
  EXPECT_EQ(v->stat(nullptr, "abs", true).status(), Status::kNotFound);
  auto h = v->open(nullptr, "abs_inside", kRead);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(read_all(**h), "hello");
  auto link = v->stat(nullptr, "abs", false);
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(link->type, FileType::kSymlink);
}

TEST_P(VolumeTest, RelativeSymlinkClimbingOutIsNotFollowed) {
  fs::create_symlink("../outside/secret", vol_ / "rel");
  fs::create_symlink("../../outside", vol_ / "sub" / "dirlink");
  auto v = open_volume(true);
  EXPECT_EQ(v->open(nullptr, "rel", kRead).status(), Status::kNotFound);
  EXPECT_EQ(v->open(nullptr, "sub/dirlink/secret", kRead).status(), Status::kNotFound);
}

TEST_P(VolumeTest, SymlinkStayingInsideIsFollowed) {
  fs::create_symlink("../hello.txt", vol_ / "sub" / "up");
  auto v = open_volume(true);
  auto h = v->open(nullptr, "sub/up", kRead);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(read_all(**h), "hello");
}

TEST_P(VolumeTest, FinalSymlinkWithoutFollowIsALoop) {
  fs::create_symlink("hello.txt", vol_ / "link");
  auto v = open_volume(true);
  OpenFlags no_follow{.follow = false};
  EXPECT_EQ(v->open(nullptr, "link", no_follow).status(), Status::kLoop);
}

TEST_P(VolumeTest, SymlinkLoopEndsWithLoop) {
  fs::create_symlink("b", vol_ / "a");
  fs::create_symlink("a", vol_ / "b");
  auto v = open_volume(true);
  EXPECT_EQ(v->open(nullptr, "a", kRead).status(), Status::kLoop);
}

TEST_P(VolumeTest, GuestSymlinkToTheHostRootIsStoredButNeverFollowed) {
  auto v = open_volume(false);
  ASSERT_EQ(v->symlink("/", nullptr, "root"), Status::kOk);
  ASSERT_EQ(v->symlink("../outside", nullptr, "up"), Status::kOk);
  EXPECT_EQ(v->readlink(nullptr, "root").value(), "/");
  EXPECT_EQ(v->open(nullptr, "root/etc/passwd", kRead).status(), Status::kNotFound);
  EXPECT_EQ(v->open(nullptr, "up/secret", kRead).status(), Status::kNotFound);
  EXPECT_EQ(v->open(nullptr, "up/new", kCreate).status(), Status::kNotFound);
  auto listed = v->open(nullptr, "root/hello.txt", kRead);  // "/" is the volume's root
  ASSERT_TRUE(listed.ok());
  EXPECT_FALSE(fs::exists(outside_ / "new"));
}

TEST_P(VolumeTest, CreateThroughADanglingSymlinkOutsideCreatesNothing) {
  fs::create_symlink(outside_ / "created", vol_ / "dangling");
  fs::create_symlink("../outside/created2", vol_ / "dangling2");
  auto v = open_volume(false);
  EXPECT_EQ(v->open(nullptr, "dangling", kCreate).status(), Status::kNotFound);
  EXPECT_EQ(v->open(nullptr, "dangling2", kCreate).status(), Status::kNotFound);
  OpenFlags excl{.write = true, .create = true, .exclusive = true};
  EXPECT_EQ(v->open(nullptr, "dangling", excl).status(), Status::kExists);
  EXPECT_FALSE(fs::exists(outside_ / "created"));
  EXPECT_FALSE(fs::exists(outside_ / "created2"));
}

TEST_P(VolumeTest, NameOperationsNeverFollowTheFinalSymlink) {
  fs::create_symlink(outside_, vol_ / "out");
  fs::create_symlink(outside_ / "secret", vol_ / "sec");
  auto v = open_volume(false);
  // A trailing slash would make the kernel follow: it is handled before any call.
  EXPECT_NE(v->rmdir(nullptr, "out/"), Status::kOk);
  EXPECT_EQ(v->unlink(nullptr, "out/"), Status::kNotDirectory);
  EXPECT_EQ(v->stat(nullptr, "out/", false).status(), Status::kNotFound);
  EXPECT_EQ(v->set_times(nullptr, "sec", true, {}, {TimeSpec::Kind::kSet, 0}), Status::kNotFound);
  EXPECT_EQ(v->link(nullptr, "sec", true, nullptr, "hard"), Status::kNotFound);
  EXPECT_EQ(v->chmod(nullptr, "sec", 0777), Status::kNotSupported);
  ASSERT_EQ(v->unlink(nullptr, "sec"), Status::kOk);  // removes the link, not the target
  EXPECT_EQ(read_host(outside_ / "secret"), "top secret");
  EXPECT_NE(fs::last_write_time(outside_ / "secret").time_since_epoch().count(), 0);
  EXPECT_EQ(fs::status(outside_ / "secret").permissions() & fs::perms::others_write,
            fs::perms::none);
}

TEST_P(VolumeTest, HardLinkToAPathOutsideIsRefused) {
  auto v = open_volume(false);
  EXPECT_EQ(v->link(nullptr, "../outside/secret", false, nullptr, "stolen"), Status::kNotFound);
  EXPECT_EQ(v->link(nullptr, "hello.txt", false, nullptr, "../outside/h"), Status::kNotFound);
  EXPECT_FALSE(fs::exists(vol_ / "stolen"));
  EXPECT_FALSE(fs::exists(outside_ / "h"));
  ASSERT_EQ(v->link(nullptr, "hello.txt", false, nullptr, "h2"), Status::kOk);
  EXPECT_EQ(fs::hard_link_count(vol_ / "hello.txt"), 2u);
}

TEST_P(VolumeTest, RenameStaysInsideAndRefusesEscapes) {
  auto v = open_volume(false);
  EXPECT_EQ(v->rename(nullptr, "hello.txt", nullptr, "../outside/moved"), Status::kNotFound);
  EXPECT_EQ(v->rename(nullptr, "../outside/secret", nullptr, "got"), Status::kNotFound);
  EXPECT_EQ(v->rename(nullptr, "hello.txt/", nullptr, "x"), Status::kNotDirectory);
  ASSERT_EQ(v->rename(nullptr, "hello.txt", nullptr, "sub/moved"), Status::kOk);
  EXPECT_EQ(read_host(vol_ / "sub" / "moved"), "hello");
  EXPECT_EQ(read_host(outside_ / "secret"), "top secret");
}

TEST_P(VolumeTest, DirectoryHandleMayClimbWithinTheVolumeOnly) {
  fs::create_directories(vol_ / "a" / "b");
  auto v = open_volume(true);
  auto dir = v->open(nullptr, "a/b", OpenFlags{.directory = true});
  ASSERT_TRUE(dir.ok());
  auto h = v->open(dir->get(), "../../hello.txt", kRead);
  ASSERT_TRUE(h.ok()) << vfs::to_string(h.status());
  EXPECT_EQ(read_all(**h), "hello");
  EXPECT_EQ(v->open(dir->get(), "../../../outside/secret", kRead).status(), Status::kNotFound);
  auto abs = v->open(dir->get(), "/hello.txt", kRead);
  ASSERT_TRUE(abs.ok());
}

TEST_P(VolumeTest, SpecialNamesAreHandled) {
  auto v = open_volume(false);
  EXPECT_EQ(v->open(nullptr, "", kRead).status(), Status::kNotFound);
  EXPECT_EQ(v->mkdir(nullptr, "."), Status::kExists);
  EXPECT_EQ(v->mkdir(nullptr, "sub/.."), Status::kExists);
  EXPECT_EQ(v->rmdir(nullptr, "."), Status::kInvalid);
  EXPECT_EQ(v->unlink(nullptr, ".."), Status::kIsDirectory);
  EXPECT_EQ(v->open(nullptr, std::string("a\0b", 3), kCreate).status(), Status::kInvalid);
  EXPECT_EQ(v->open(nullptr, std::string(300, 'n'), kCreate).status(), Status::kNameTooLong);
  EXPECT_EQ(v->open(nullptr, std::string(5000, 'a'), kRead).status(), Status::kNameTooLong);
  auto root = v->open(nullptr, ".", OpenFlags{.directory = true});
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE((*root)->is_directory());
}

TEST_P(VolumeTest, InvalidUtf8NamesAreJustBytes) {
  auto v = open_volume(false);
  const std::string name = "bad\xff\xfe";
  auto h = v->open(nullptr, name, kCreate);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(fs::exists(vol_ / name));
}

TEST_P(VolumeTest, ReadOnlyVolumeRefusesEveryChangeAndLeavesTheHostAlone) {
  fs::create_directories(vol_ / "emptydir");
  fs::create_symlink("hello.txt", vol_ / "link");
  const auto before = listing(vol_);
  const auto mtime = fs::last_write_time(vol_ / "hello.txt");
  auto v = open_volume(true);
  EXPECT_EQ(v->open(nullptr, "new", kCreate).status(), Status::kReadOnly);
  EXPECT_EQ(v->open(nullptr, "hello.txt", OpenFlags{.write = true}).status(), Status::kReadOnly);
  EXPECT_EQ(v->open(nullptr, "hello.txt", OpenFlags{.truncate = true}).status(), Status::kReadOnly);
  auto h = v->open(nullptr, "hello.txt", kRead);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(write(**h, 0, "x").status(), Status::kReadOnly);
  ConstChunk chunk(reinterpret_cast<const uint8_t*>("x"), 1);
  EXPECT_EQ((*h)->append(std::span<const ConstChunk>(&chunk, 1)).status(), Status::kReadOnly);
  EXPECT_EQ((*h)->truncate(0), Status::kReadOnly);
  EXPECT_EQ((*h)->set_times({}, {TimeSpec::Kind::kNow}), Status::kReadOnly);
  EXPECT_EQ(v->mkdir(nullptr, "d"), Status::kReadOnly);
  EXPECT_EQ(v->rmdir(nullptr, "emptydir"), Status::kReadOnly);
  EXPECT_EQ(v->unlink(nullptr, "hello.txt"), Status::kReadOnly);
  EXPECT_EQ(v->rename(nullptr, "hello.txt", nullptr, "x"), Status::kReadOnly);
  EXPECT_EQ(v->link(nullptr, "hello.txt", false, nullptr, "x"), Status::kReadOnly);
  EXPECT_EQ(v->symlink("hello.txt", nullptr, "x"), Status::kReadOnly);
  EXPECT_EQ(v->set_times(nullptr, "hello.txt", true, {}, {TimeSpec::Kind::kNow}),
            Status::kReadOnly);
  EXPECT_EQ(v->chmod(nullptr, "hello.txt", 0600), Status::kReadOnly);
  EXPECT_EQ(listing(vol_), before);
  EXPECT_EQ(fs::last_write_time(vol_ / "hello.txt"), mtime);
}

TEST_P(VolumeTest, WritesPastTheQuotaFailAndChangeNothing) {
  auto v = open_volume(false, 100);
  auto h = v->open(nullptr, "f", kCreate);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(write(**h, 0, std::string(60, 'a')).value(), 60u);
  EXPECT_EQ(write(**h, 60, std::string(41, 'b')).status(), Status::kNoSpace);
  EXPECT_EQ(fs::file_size(vol_ / "f"), 60u);
  // Overwriting does not grow the file, so it costs nothing.
  EXPECT_EQ(write(**h, 0, std::string(60, 'c')).value(), 60u);
  EXPECT_EQ(v->used_bytes(), 60u);
  EXPECT_EQ(write(**h, 60, std::string(40, 'd')).value(), 40u);
  EXPECT_EQ(v->used_bytes(), 100u);
}

TEST_P(VolumeTest, SparseWritesAndTruncatesCountTheirLogicalGrowth) {
  auto v = open_volume(false, 1 << 20);
  auto h = v->open(nullptr, "sparse", kCreate);
  ASSERT_TRUE(h.ok());
  for (uint64_t offset : {1ull << 31, 1ull << 32, 1ull << 62}) {
    EXPECT_EQ(write(**h, offset, "x").status(), Status::kNoSpace) << offset;
  }
  EXPECT_EQ((*h)->truncate(1ull << 32), Status::kNoSpace);
  EXPECT_EQ(write(**h, 1ull << 63, "x").status(), Status::kFileTooBig);
  EXPECT_EQ(fs::file_size(vol_ / "sparse"), 0u);
  EXPECT_EQ(v->used_bytes(), 0u);
  std::string buf(4, '\0');
  MutableChunk chunk(reinterpret_cast<uint8_t*>(buf.data()), buf.size());
  EXPECT_EQ((*h)->read_at(1ull << 62, std::span<const MutableChunk>(&chunk, 1)).value(), 0u);
}

TEST_P(VolumeTest, TruncateAndUnlinkGiveBytesBack) {
  auto v = open_volume(false, 100);
  auto h = v->open(nullptr, "f", kCreate);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(write(**h, 0, std::string(100, 'a')).ok());
  ASSERT_EQ((*h)->truncate(50), Status::kOk);
  EXPECT_EQ(v->used_bytes(), 50u);
  ASSERT_EQ(v->unlink(nullptr, "f"), Status::kOk);
  EXPECT_EQ(v->used_bytes(), 0u);
  auto g = v->open(nullptr, "g", kCreate);
  EXPECT_TRUE(write(**g, 0, std::string(100, 'b')).ok());
}

TEST_P(VolumeTest, ConcurrentWritersNeverExceedTheQuota) {
  constexpr uint64_t kQuota = 64 * 1024;
  auto v = open_volume(false, kQuota);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto h = v->open(nullptr, "w" + std::to_string(t), kCreate);
      if (!h.ok()) return;
      for (uint64_t off = 0; off < kQuota; off += 1000) {
        if (!write(**h, off, std::string(1000, 'x')).ok()) break;
      }
    });
  }
  for (auto& t : threads) t.join();
  uint64_t total = 0;
  for (int t = 0; t < 8; ++t) total += fs::file_size(vol_ / ("w" + std::to_string(t)));
  EXPECT_LE(total, kQuota);
  EXPECT_EQ(total, v->used_bytes());
}

TEST_P(VolumeTest, PlantedFifoIsRefusedWithoutBlocking) {
  ASSERT_EQ(mkfifo((vol_ / "fifo").c_str(), 0600), 0);
  auto v = open_volume(true);
  EXPECT_EQ(v->open(nullptr, "fifo", kRead).status(), Status::kNotSupported);
}

TEST_P(VolumeTest, ReadDirListsEntriesWithTypes) {
  fs::create_symlink("hello.txt", vol_ / "link");
  auto v = open_volume(true);
  auto root = v->open_root({});
  ASSERT_TRUE(root.ok());
  auto entries = (*root)->read_dir();
  ASSERT_TRUE(entries.ok());
  std::map<std::string, FileType> seen;
  for (const auto& e : *entries) seen[e.name] = e.type;
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen["hello.txt"], FileType::kRegularFile);
  EXPECT_EQ(seen["sub"], FileType::kDirectory);
  EXPECT_EQ(seen["link"], FileType::kSymlink);
}

TEST_P(VolumeTest, DirectorySwappedForASymlinkDuringResolutionNeverLeaks) {
  // Another host process keeps swapping vol/race between a real directory and a symlink to the
  // outside directory while paths under it are opened: no open may ever reach the secret.
  write_host(vol_ / "sub" / "secret", "inside");
  auto v = open_volume(true);
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    const auto dir = vol_ / "race";
    const auto link_tmp = vol_ / "race.link";
    const auto dir_tmp = vol_ / "race.dir";
    fs::create_directories(dir_tmp);
    write_host(dir_tmp / "secret", "inside");
    for (int i = 0; i < 20000 && !stop.load(); ++i) {
      std::error_code ec;
      fs::create_symlink(outside_, link_tmp, ec);
      ::rename(link_tmp.c_str(), dir.c_str());  // the symlink takes the name
      fs::remove(dir, ec);
      ::rename(dir_tmp.c_str(), dir.c_str());  // a real directory takes it back
      ::rename(dir.c_str(), dir_tmp.c_str());
    }
  });
  int opened = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (std::chrono::steady_clock::now() < deadline) {
    auto h = v->open(nullptr, "race/secret", kRead);
    if (h.ok()) {
      ++opened;
      ASSERT_EQ(read_all(**h), "inside");
    } else {
      ASSERT_NE(h.status(), Status::kOk);
    }
  }
  stop = true;
  swapper.join();
  EXPECT_EQ(read_host(outside_ / "secret"), "top secret");
  (void)opened;
}

TEST_P(VolumeTest, SingleFileVolumeShowsOnlyThatFile) {
  write_host(vol_ / "sibling", "hidden");
  auto v = HostVolume::open((vol_ / "hello.txt").string(),
                            {.read_only = false, .quota_bytes = 100, .resolver = GetParam()});
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE((*v)->is_file());
  auto h = (*v)->open_root(OpenFlags{.write = true});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(read_all(**h), "hello");
  EXPECT_EQ((*v)->open(nullptr, "sibling", kRead).status(), Status::kNotDirectory);
  EXPECT_EQ((*v)->open(nullptr, "../vol/sibling", kRead).status(), Status::kNotDirectory);
  EXPECT_EQ((*v)->stat(nullptr, "../sibling", false).status(), Status::kNotDirectory);
  EXPECT_EQ((*v)->stat_root()->size, 5u);
  EXPECT_EQ(write(**h, 5, " world").value(), 6u);
  EXPECT_EQ(read_host(vol_ / "hello.txt"), "hello world");
}

TEST_P(VolumeTest, SingleFileReplacedBySymlinkIsRefused) {
  auto v =
      HostVolume::open((vol_ / "hello.txt").string(), {.read_only = true, .resolver = GetParam()});
  ASSERT_TRUE(v.ok());
  fs::remove(vol_ / "hello.txt");
  fs::create_symlink(outside_ / "secret", vol_ / "hello.txt");
  EXPECT_EQ((*v)->open_root({}).status(), Status::kLoop);
  EXPECT_EQ((*v)->stat_root().status(), Status::kPermission);
}

TEST_P(VolumeTest, OpeningAMissingOrSpecialHostPathFails) {
  EXPECT_EQ(HostVolume::open((base_ / "missing").string(), {}).status(), Status::kNotFound);
  EXPECT_EQ(HostVolume::open("/dev/null", {}).status(), Status::kInvalid);
  EXPECT_EQ(HostVolume::open("", {}).status(), Status::kInvalid);
}

TEST_P(VolumeTest, ManySmallFilesAndADeepTree) {
  auto v = open_volume(false, 1 << 20);
  for (int i = 0; i < 200; ++i) {
    auto h = v->open(nullptr, "f" + std::to_string(i), kCreate);
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE(write(**h, 0, "data").ok());
  }
  std::string path;
  for (int depth = 0; depth < 100; ++depth) {
    path += (depth ? "/" : "") + std::string("d");
    ASSERT_EQ(v->mkdir(nullptr, path), Status::kOk) << depth;
  }
  EXPECT_TRUE(v->stat(nullptr, path, true).ok());
  EXPECT_EQ(v->used_bytes(), 800u);
}

// ---- the vfs::Mount the WASI layer drives ----

class VolumeMountTest : public VolumeTest {
 protected:
  std::shared_ptr<VolumeMount> mount(const fs::path& host, bool read_only,
                                     uint64_t quota = 1 << 20) {
    auto m = open_volume_mount(
        host.string(), {.read_only = read_only, .quota_bytes = quota, .resolver = GetParam()});
    EXPECT_TRUE(m.ok());
    return m.ok() ? *m : nullptr;
  }
  static std::string read_all(vfs::Handle& h) {
    std::string out(4096, '\0');
    vfs::MutableBytes buf(reinterpret_cast<uint8_t*>(out.data()), out.size());
    auto n = h.read(0, std::span<const vfs::MutableBytes>(&buf, 1));
    out.resize(n.ok() ? *n : 0);
    return out;
  }
};

INSTANTIATE_TEST_SUITE_P(Resolvers, VolumeMountTest,
                         ::testing::Values(Resolver::kOpenat2, Resolver::kWalk),
                         [](const auto& info) {
                           return info.param == Resolver::kOpenat2 ? "Openat2" : "Walk";
                         });

TEST_P(VolumeMountTest, SingleFileMountIsAHolderWhoseDotIsTheFile) {
  write_host(vol_ / "sibling", "hidden");
  auto m = mount(vol_ / "hello.txt", false);
  auto root = m->open_root();
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE((*root)->is_directory());
  for (const char* path : {".", "/", "..", "./."}) {
    auto file = m->open(**root, path, vfs::OpenOptions{.read = true});
    ASSERT_TRUE(file.ok()) << path;
    EXPECT_EQ(read_all(**file), "hello") << path;
    EXPECT_EQ(m->stat(**root, path, false)->type, vfs::FileType::kRegularFile);
  }
  EXPECT_EQ(m->open(**root, "sibling", {}).status(), Status::kNotFound);
  EXPECT_EQ(m->open(**root, "../sibling", {}).status(), Status::kNotFound);
  EXPECT_EQ(m->stat(**root, "sibling", true).status(), Status::kNotFound);
  EXPECT_EQ(m->open(**root, "new", vfs::OpenOptions{.create = true, .write = true}).status(),
            Status::kNotFound);
  EXPECT_EQ(m->create_directory(**root, "d"), Status::kPermission);
  EXPECT_EQ(m->unlink_file(**root, "."), Status::kBusy);
  std::vector<std::string> names;
  ASSERT_EQ((*root)->read_directory(0,
                                    [&](const vfs::DirEntry& e) {
                                      names.emplace_back(e.name);
                                      return true;
                                    }),
            Status::kOk);
  EXPECT_EQ(names, (std::vector<std::string>{".", ".."}));
  EXPECT_FALSE(fs::exists(vol_ / "new"));
  EXPECT_FALSE(fs::exists(vol_ / "d"));
}

TEST_P(VolumeMountTest, ReadDirectoryResumesFromAnyCookie) {
  for (int i = 0; i < 300; ++i) write_host(vol_ / ("f" + std::to_string(i)), "x");
  auto m = mount(vol_, true);
  auto root = m->open_root();
  ASSERT_TRUE(root.ok());
  std::set<std::string> seen;
  uint64_t cookie = 0;
  for (;;) {
    int taken = 0;
    uint64_t next = cookie;
    ASSERT_EQ(
        (*root)->read_directory(cookie,
                                [&](const vfs::DirEntry& e) {
                                  EXPECT_TRUE(seen.insert(std::string(e.name)).second) << e.name;
                                  next = e.next;
                                  return ++taken < 7;  // a small buffer: stop early every time
                                }),
        Status::kOk);
    if (taken == 0) break;
    cookie = next;
  }
  EXPECT_EQ(seen.size(), 300u + 4u);  // f0..f299, hello.txt, sub, "." and ".."
}

TEST_P(VolumeMountTest, ReadOnlyMountRefusesChangesBeforeTouchingTheHost) {
  auto m = mount(vol_, true);
  auto root = m->open_root();
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(m->open(**root, "hello.txt", vfs::OpenOptions{.write = true}).status(),
            Status::kReadOnly);
  EXPECT_EQ(m->create_directory(**root, "x"), Status::kReadOnly);
  EXPECT_EQ(m->set_times(**root, "hello.txt", true, 0, 0), Status::kReadOnly);
  EXPECT_EQ(m->symlink("t", **root, "s"), Status::kReadOnly);
  auto file = m->open(**root, "hello.txt", vfs::OpenOptions{.read = true});
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->resize(0), Status::kReadOnly);
  EXPECT_EQ((*file)->allocate(0, 100), Status::kReadOnly);
  EXPECT_EQ(read_host(vol_ / "hello.txt"), "hello");
}

TEST_P(VolumeMountTest, WritesAreAllOrNothingAtTheQuota) {
  auto m = mount(vol_, false, 10);
  auto root = m->open_root();
  auto file = m->open(**root, "f", vfs::OpenOptions{.create = true, .write = true});
  ASSERT_TRUE(file.ok());
  const std::string a = "12345678", b = "abc";
  vfs::ConstBytes chunks[] = {{reinterpret_cast<const uint8_t*>(a.data()), a.size()},
                              {reinterpret_cast<const uint8_t*>(b.data()), b.size()}};
  EXPECT_EQ((*file)->write(0, chunks), Status::kNoSpace);
  EXPECT_EQ(fs::file_size(vol_ / "f"), 0u);
  EXPECT_EQ((*file)->write(0, std::span(chunks, 1)), Status::kOk);
  EXPECT_EQ((*file)->append(std::span(chunks + 1, 1)).status(), Status::kNoSpace);
  EXPECT_EQ(*(*file)->size(), 8u);
}

}  // namespace
}  // namespace eryx::volumes
