#include "vfs/vfs.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace eryx::vfs {
namespace {

TEST(VfsPath, SplitsComponentsAndFlags) {
  auto parsed = parse_path("/a//b/../c/");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->absolute);
  EXPECT_TRUE(parsed->trailing_slash);
  ASSERT_EQ(parsed->components.size(), 4u);
  EXPECT_EQ(parsed->components[2], "..");
}

TEST(VfsPath, RejectsEmptyTooLongAndNul) {
  EXPECT_EQ(parse_path("").status(), Status::kNotFound);
  EXPECT_EQ(parse_path(std::string(kMaxPathLength + 1, 'a')).status(), Status::kNameTooLong);
  EXPECT_EQ(parse_path(std::string(kMaxNameLength + 1, 'a')).status(), Status::kNameTooLong);
  EXPECT_EQ(parse_path(std::string("a\0b", 3)).status(), Status::kInvalid);
}

TEST(Vfs, DefaultLayoutHasReadOnlyRootWritableTmpAndStdlib) {
  auto zip = std::make_shared<const std::string>("zipbytes");
  auto vfs = make_default_layout("python313.zip", zip);
  EXPECT_TRUE(vfs->root()->read_only());
  auto tmp = vfs->lookup(vfs->root(), "/tmp", true);
  ASSERT_TRUE(tmp.ok());
  EXPECT_FALSE((*tmp)->read_only());
  EXPECT_EQ(vfs->read_file("/usr/local/lib/python313.zip"), "zipbytes");
}

TEST(Vfs, ImageFileSharesBytesInsteadOfCopying) {
  auto zip = std::make_shared<const std::string>(1 << 20, 'z');
  Vfs vfs;
  ASSERT_EQ(vfs.add_image_file("/lib/big.zip", zip), Status::kOk);
  auto node = vfs.lookup(vfs.root(), "/lib/big.zip", true);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(static_cast<File&>(**node).contents().data(), zip->data());
  EXPECT_EQ(vfs.used_bytes(), 0u);  // images are not part of the writable quota
}

TEST(Vfs, ImageFileRefusesWrites) {
  Vfs vfs;
  ASSERT_EQ(vfs.add_image_file("/img", std::make_shared<const std::string>("x")), Status::kOk);
  auto node = vfs.lookup(vfs.root(), "/img", true);
  ConstBytes chunk(reinterpret_cast<const uint8_t*>("y"), 1);
  EXPECT_EQ(static_cast<File&>(**node).write(0, std::span<const ConstBytes>(&chunk, 1)),
            Status::kReadOnly);
  EXPECT_EQ(static_cast<File&>(**node).resize(0), Status::kReadOnly);
}

TEST(Vfs, WriteFileCountsAgainstQuota) {
  Vfs vfs({.quota_bytes = 10, .max_entries = 100});
  vfs.make_dir("/tmp", Access::kWritable);
  EXPECT_EQ(vfs.write_file("/tmp/a", "123456"), Status::kOk);
  EXPECT_EQ(vfs.used_bytes(), 6u);
  EXPECT_EQ(vfs.write_file("/tmp/b", "123456"), Status::kNoSpace);
  EXPECT_EQ(vfs.unlink_file(vfs.root(), "tmp/a"), Status::kOk);
  EXPECT_EQ(vfs.used_bytes(), 0u);
}

TEST(Vfs, EntryLimitStopsNewNames) {
  Vfs vfs({.quota_bytes = 1000, .max_entries = 3});
  vfs.make_dir("/tmp", Access::kWritable);  // 1 entry
  EXPECT_EQ(vfs.create_directory(vfs.root(), "/tmp/a"), Status::kOk);
  EXPECT_EQ(vfs.create_directory(vfs.root(), "/tmp/b"), Status::kOk);
  EXPECT_EQ(vfs.create_directory(vfs.root(), "/tmp/c"), Status::kNoSpace);
}

TEST(Vfs, DotDotAtRootStaysAtRoot) {
  auto vfs = make_default_layout("python313.zip", nullptr);
  auto node = vfs->lookup(vfs->root(), "../../../tmp", true);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(*node, vfs->root()->find("tmp"));
}

TEST(Vfs, AbsoluteSymlinkResolvesInsideTheTree) {
  auto vfs = make_default_layout("python313.zip", nullptr);
  ASSERT_EQ(vfs->symlink("/../../tmp", vfs->root(), "tmp/up"), Status::kOk);
  auto node = vfs->lookup(vfs->root(), "tmp/up", true);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(*node, vfs->root()->find("tmp"));
}

TEST(Vfs, SymlinkCycleIsLoop) {
  auto vfs = make_default_layout("python313.zip", nullptr);
  ASSERT_EQ(vfs->symlink("b", vfs->root(), "tmp/a"), Status::kOk);
  ASSERT_EQ(vfs->symlink("a", vfs->root(), "tmp/b"), Status::kOk);
  EXPECT_EQ(vfs->lookup(vfs->root(), "tmp/a", true).status(), Status::kLoop);
  EXPECT_EQ(vfs->lookup(vfs->root(), "tmp/a/x", true).status(), Status::kLoop);
}

TEST(Vfs, DirectoryCannotMoveIntoItself) {
  auto vfs = make_default_layout("python313.zip", nullptr);
  ASSERT_EQ(vfs->create_directory(vfs->root(), "tmp/a"), Status::kOk);
  ASSERT_EQ(vfs->create_directory(vfs->root(), "tmp/a/b"), Status::kOk);
  EXPECT_EQ(vfs->rename(vfs->root(), "tmp/a", vfs->root(), "tmp/a/b/c"), Status::kInvalid);
}

TEST(Vfs, HardLinkSharesDataAndCountsLinks) {
  auto vfs = make_default_layout("python313.zip", nullptr);
  ASSERT_EQ(vfs->write_file("/tmp/a", "data"), Status::kOk);
  ASSERT_EQ(vfs->link(vfs->root(), "tmp/a", false, vfs->root(), "tmp/b"), Status::kOk);
  auto node = vfs->lookup(vfs->root(), "tmp/b", true);
  EXPECT_EQ(static_cast<File&>(**node).link_count(), 2u);
  EXPECT_EQ(vfs->read_file("/tmp/b"), "data");
}

TEST(Vfs, HardLinkOfReadOnlyImageIsCrossDevice) {
  auto vfs = make_default_layout("python313.zip", std::make_shared<const std::string>("z"));
  EXPECT_EQ(vfs->link(vfs->root(), "usr/local/lib/python313.zip", false, vfs->root(), "tmp/z"),
            Status::kCrossDevice);
}

TEST(Vfs, DeepTreeIsDestroyedWithoutRecursion) {
  // Deep enough that a recursive teardown would need far more than a default host stack.
  auto vfs = std::make_unique<Vfs>(VfsOptions{.quota_bytes = 0, .max_entries = 300000});
  DirPtr dir = vfs->root();
  for (int i = 0; i < 200000; ++i) {
    auto child = Directory::make(vfs->accounting(), false);
    dir->insert("d", child);
    dir = child;
  }
  dir.reset();
  vfs.reset();
  SUCCEED();
}

TEST(Vfs, CloneCopiesDataAndSharesImages) {
  auto zip = std::make_shared<const std::string>("zip");
  auto vfs = make_default_layout("python313.zip", zip);
  ASSERT_EQ(vfs->write_file("/tmp/f", "one"), Status::kOk);
  NodeMap map;
  auto copy = vfs->clone(map);
  ASSERT_EQ(copy->write_file("/tmp/f", "two"), Status::kOk);
  EXPECT_EQ(vfs->read_file("/tmp/f"), "one");
  EXPECT_EQ(copy->read_file("/tmp/f"), "two");
  auto image = copy->lookup(copy->root(), "/usr/local/lib/python313.zip", true);
  EXPECT_EQ(static_cast<File&>(**image).contents().data(), zip->data());
  EXPECT_EQ(copy->used_bytes(), 3u);
}

TEST(Vfs, HostPathsMustBeAbsolute) {
  Vfs vfs;
  EXPECT_EQ(vfs.make_dir("tmp", Access::kWritable), Status::kInvalid);
  EXPECT_EQ(vfs.write_file("/a/../b", "x"), Status::kInvalid);
}

}  // namespace
}  // namespace eryx::vfs
