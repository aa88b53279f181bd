// The mount interface (vfs/mount.h) over the in-memory tree: what the WASI layer and host volumes
// rely on, checked through TreeMount's handles without any engine.
#include "vfs/tree_mount.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace eryx::vfs {
namespace {

ConstBytes bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class TreeMountTest : public ::testing::Test {
 protected:
  TreeMountTest() {
    tree_ = std::make_shared<Vfs>(VfsOptions{.quota_bytes = 64, .max_entries = 100});
    tree_->root()->set_read_only(false);
    mount_ = TreeMount::make(tree_);
    root_ = *mount_->open_root();
  }

  HandlePtr open(std::string_view path, OpenOptions options = {}) {
    auto handle = mount_->open(*root_, path, options);
    EXPECT_TRUE(handle.ok()) << path << ": " << to_string(handle.status());
    return handle.ok() ? *handle : nullptr;
  }
  HandlePtr create(std::string_view path) {
    return open(path, {.create = true, .truncate = true, .read = true, .write = true});
  }
  Status write(Handle& h, uint64_t offset, std::string_view data) {
    ConstBytes chunk = bytes(data);
    return h.write(offset, std::span<const ConstBytes>(&chunk, 1));
  }
  std::string read(Handle& h, uint64_t offset, size_t n) {
    std::string out(n, '\0');
    MutableBytes buffer(reinterpret_cast<uint8_t*>(out.data()), n);
    auto got = h.read(offset, std::span<const MutableBytes>(&buffer, 1));
    EXPECT_TRUE(got.ok());
    out.resize(got.ok() ? *got : 0);
    return out;
  }
  std::vector<std::string> names(Handle& dir, uint64_t cookie = 0) {
    std::vector<std::string> out;
    EXPECT_EQ(dir.read_directory(cookie,
                                 [&](const DirEntry& e) {
                                   out.emplace_back(e.name);
                                   return true;
                                 }),
              Status::kOk);
    return out;
  }

  std::shared_ptr<Vfs> tree_;
  std::shared_ptr<TreeMount> mount_;
  HandlePtr root_;
};

TEST_F(TreeMountTest, RootHandleIsADirectoryOfItsMount) {
  EXPECT_TRUE(root_->is_directory());
  EXPECT_EQ(&root_->mount(), mount_.get());
}

TEST_F(TreeMountTest, WrittenBytesReadBackThroughAnotherHandle) {
  auto file = create("f");
  ASSERT_EQ(write(*file, 0, "hello"), Status::kOk);
  auto again = open("f", {.read = true});
  EXPECT_EQ(read(*again, 0, 100), "hello");
  EXPECT_EQ(*again->size(), 5u);
}

TEST_F(TreeMountTest, DotDotAtTheMountRootStaysInTheMount) {
  ASSERT_EQ(mount_->create_directory(*root_, "d"), Status::kOk);
  create("x");
  auto stat = mount_->stat(*root_, "../../../x", true);
  ASSERT_TRUE(stat.ok());
  EXPECT_EQ(stat->type, FileType::kRegularFile);
  EXPECT_TRUE(mount_->stat(*root_, "d/../../x", true).ok());
}

TEST_F(TreeMountTest, AbsoluteSymlinkTargetsResolveFromTheMountRoot) {
  create("target");
  ASSERT_EQ(mount_->symlink("/target", *root_, "link"), Status::kOk);
  auto stat = mount_->stat(*root_, "link", /*follow=*/true);
  ASSERT_TRUE(stat.ok());
  EXPECT_EQ(stat->type, FileType::kRegularFile);
  EXPECT_EQ(*mount_->readlink(*root_, "link"), "/target");
  EXPECT_EQ(mount_->stat(*root_, "link", /*follow=*/false)->type, FileType::kSymlink);
}

TEST_F(TreeMountTest, WritePastTheQuotaIsNoSpaceAndChangesNothing) {
  auto file = create("f");
  ASSERT_EQ(write(*file, 0, "abc"), Status::kOk);
  EXPECT_EQ(write(*file, 0, std::string(100, 'x')), Status::kNoSpace);
  EXPECT_EQ(read(*file, 0, 100), "abc");
  EXPECT_EQ(tree_->used_bytes(), 3u);
}

TEST_F(TreeMountTest, SparseWriteFarPastTheQuotaIsNoSpace) {
  auto file = create("f");
  EXPECT_EQ(write(*file, uint64_t{1} << 32, "x"), Status::kNoSpace);
  EXPECT_EQ(write(*file, uint64_t{1} << 62, "x"), Status::kNoSpace);
  EXPECT_EQ(*file->size(), 0u);
}

TEST_F(TreeMountTest, OffsetsPastInt64AreFileTooBig) {
  auto file = create("f");
  EXPECT_EQ(write(*file, uint64_t{1} << 63, "x"), Status::kFileTooBig);
  EXPECT_EQ(file->allocate(uint64_t{1} << 63, 1), Status::kFileTooBig);
}

TEST_F(TreeMountTest, ReadOnlyDirectoryRefusesEveryChange) {
  ASSERT_EQ(mount_->create_directory(*root_, "ro"), Status::kOk);
  create("ro/f");
  auto ro = *tree_->lookup(tree_->root(), "ro", true);
  ro->set_read_only(true);
  EXPECT_EQ(mount_->open(*root_, "ro/new", {.create = true, .write = true}).status(),
            Status::kReadOnly);
  EXPECT_EQ(mount_->create_directory(*root_, "ro/d"), Status::kReadOnly);
  EXPECT_EQ(mount_->unlink_file(*root_, "ro/f"), Status::kReadOnly);
  EXPECT_EQ(mount_->rename(*root_, "ro/f", *root_, "g"), Status::kReadOnly);
  EXPECT_EQ(mount_->symlink("x", *root_, "ro/l"), Status::kReadOnly);
  EXPECT_EQ(mount_->set_times(*root_, "ro", true, 1, 1), Status::kReadOnly);
}

TEST_F(TreeMountTest, AppendWritesAtTheEndAndReturnsIt) {
  auto a = create("log");
  auto b = open("log", {.write = true});
  ConstBytes one = bytes("one,");
  ConstBytes two = bytes("two");
  ASSERT_EQ(*a->append(std::span<const ConstBytes>(&one, 1)), 4u);
  ASSERT_EQ(*b->append(std::span<const ConstBytes>(&two, 1)), 7u);
  EXPECT_EQ(read(*a, 0, 100), "one,two");
}

TEST_F(TreeMountTest, AllocateGrowsButNeverShrinks) {
  auto file = create("f");
  ASSERT_EQ(write(*file, 0, "0123456789"), Status::kOk);
  EXPECT_EQ(file->allocate(0, 4), Status::kOk);
  EXPECT_EQ(*file->size(), 10u);
  EXPECT_EQ(file->allocate(8, 8), Status::kOk);
  EXPECT_EQ(*file->size(), 16u);
}

TEST_F(TreeMountTest, ReadDirectoryListsDotsThenEntriesAndResumesFromACookie) {
  create("a");
  create("b");
  EXPECT_EQ(names(*root_), (std::vector<std::string>{".", "..", "a", "b"}));
  uint64_t after_a = 0;
  ASSERT_EQ(root_->read_directory(0,
                                  [&](const DirEntry& e) {
                                    after_a = e.next;
                                    return e.name != "a";
                                  }),
            Status::kOk);
  EXPECT_EQ(names(*root_, after_a), (std::vector<std::string>{"b"}));
}

TEST_F(TreeMountTest, CookiesStayValidWhenEarlierEntriesGo) {
  create("a");
  create("b");
  uint64_t after_a = 0;
  root_->read_directory(0, [&](const DirEntry& e) {
    after_a = e.next;
    return e.name != "a";
  });
  ASSERT_EQ(mount_->unlink_file(*root_, "a"), Status::kOk);
  EXPECT_EQ(names(*root_, after_a), (std::vector<std::string>{"b"}));
}

TEST_F(TreeMountTest, UnlinkedFileStaysReadableAndCountsUntilItsLastHandleCloses) {
  auto file = create("f");
  ASSERT_EQ(write(*file, 0, "data"), Status::kOk);
  ASSERT_EQ(mount_->unlink_file(*root_, "f"), Status::kOk);
  EXPECT_EQ(read(*file, 0, 10), "data");
  EXPECT_EQ(tree_->used_bytes(), 4u);
  file.reset();
  EXPECT_EQ(tree_->used_bytes(), 0u);
}

TEST_F(TreeMountTest, AHandleKeepsItsMountAlive) {
  auto file = create("f");
  ASSERT_EQ(write(*file, 0, "kept"), Status::kOk);
  std::weak_ptr<TreeMount> weak = mount_;
  mount_.reset();
  root_.reset();
  tree_.reset();
  EXPECT_FALSE(weak.expired());
  EXPECT_EQ(read(*file, 0, 10), "kept");
  EXPECT_EQ(&file->mount(), weak.lock().get());
  file.reset();
  EXPECT_TRUE(weak.expired());
}

TEST_F(TreeMountTest, DirectoryHandleRefusesFileOperations) {
  ASSERT_EQ(mount_->create_directory(*root_, "d"), Status::kOk);
  auto dir = open("d", {.directory = true});
  EXPECT_EQ(write(*dir, 0, "x"), Status::kIsDirectory);
  EXPECT_EQ(dir->resize(0), Status::kIsDirectory);
  auto file = create("f");
  EXPECT_EQ(file->read_directory(0, [](const DirEntry&) { return true; }), Status::kNotDirectory);
}

TEST_F(TreeMountTest, OpenOptionsMapToStatuses) {
  create("f");
  ASSERT_EQ(mount_->create_directory(*root_, "d"), Status::kOk);
  EXPECT_EQ(mount_->open(*root_, "f", {.create = true, .exclusive = true}).status(),
            Status::kExists);
  EXPECT_EQ(mount_->open(*root_, "f", {.directory = true}).status(), Status::kNotDirectory);
  EXPECT_EQ(mount_->open(*root_, "d", {.write = true}).status(), Status::kIsDirectory);
  EXPECT_EQ(mount_->open(*root_, "missing", {}).status(), Status::kNotFound);
  ASSERT_EQ(mount_->symlink("f", *root_, "l"), Status::kOk);
  EXPECT_EQ(mount_->open(*root_, "l", {.follow = false}).status(), Status::kLoop);
}

TEST_F(TreeMountTest, HardLinkOfADirectoryIsNotPermitted) {
  ASSERT_EQ(mount_->create_directory(*root_, "d"), Status::kOk);
  EXPECT_EQ(mount_->link(*root_, "d", false, *root_, "e"), Status::kPermission);
  create("f");
  EXPECT_EQ(mount_->link(*root_, "f", false, *root_, "g"), Status::kOk);
  EXPECT_EQ(mount_->stat(*root_, "g", false)->nlink, 2u);
}

TEST_F(TreeMountTest, RemovingTheMountRootIsBusy) {
  EXPECT_EQ(mount_->remove_directory(*root_, "."), Status::kBusy);
  EXPECT_EQ(mount_->remove_directory(*root_, "/"), Status::kBusy);
}

TEST_F(TreeMountTest, LockedMountServesTheSameOperations) {
  auto locked = TreeMount::make(tree_, /*locked=*/true);
  auto root = *locked->open_root();
  auto file = *locked->open(*root, "f", {.create = true, .write = true});
  ConstBytes chunk = bytes("x");
  EXPECT_EQ(file->write(0, std::span<const ConstBytes>(&chunk, 1)), Status::kOk);
  EXPECT_TRUE(locked->locked());
  EXPECT_FALSE(mount_->locked());
}

}  // namespace
}  // namespace eryx::vfs
