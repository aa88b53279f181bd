// eryx::VfsStorage without an engine: the host methods, the snapshot format, and guests (WASI
// contexts as sessions hold them) sharing one storage from several threads.
#include "eryx/vfs_storage.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "storage/vfs_storage_access.h"
#include "guest.h"

namespace eryx {
namespace {

namespace abi = wasi::abi;
using testing::E;
using testing::Errno;

int error_code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const VfsError& e) {
    return e.error_code();
  }
  return 0;
}

TEST(VfsStorage, WrittenFileReadsBackAndItsParentsAreCreated) {
  auto storage = VfsStorage::create();
  storage->write_file("/a/b/c.txt", "hello");
  EXPECT_EQ(storage->read_file("/a/b/c.txt"), "hello");
  EXPECT_EQ(storage->read_file("a/b/c.txt"), "hello");  // relative means from the root
  EXPECT_EQ(storage->list("/a"), std::vector<std::string>{"b"});
}

TEST(VfsStorage, WriteReplacesTheWholeFile) {
  auto storage = VfsStorage::create();
  storage->write_file("f", "long contents");
  storage->write_file("f", "short");
  EXPECT_EQ(storage->read_file("f"), "short");
  EXPECT_EQ(storage->size_bytes(), 5u);
}

TEST(VfsStorage, ListIsSorted) {
  auto storage = VfsStorage::create();
  for (const char* name : {"b", "c", "a"}) storage->write_file(name, "");
  EXPECT_EQ(storage->list(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(VfsStorage, MissingPathsAndWrongKindsAreTypedErrors) {
  auto storage = VfsStorage::create();
  storage->write_file("/file", "x");
  storage->write_file("/dir/inner", "x");
  EXPECT_EQ(error_code_of([&] { storage->read_file("/nope"); }), ENOENT);
  EXPECT_EQ(error_code_of([&] { storage->read_file("/dir"); }), EISDIR);
  EXPECT_EQ(error_code_of([&] { storage->list("/file"); }), ENOTDIR);
  EXPECT_EQ(error_code_of([&] { storage->list("/nope"); }), ENOENT);
  EXPECT_EQ(error_code_of([&] { storage->write_file("/file/under", "x"); }), ENOTDIR);
  EXPECT_EQ(error_code_of([&] { storage->write_file("/dir", "x"); }), EISDIR);
  EXPECT_EQ(error_code_of([&] { storage->remove("/nope"); }), ENOENT);
}

TEST(VfsStorage, DotDotEmptyAndNulPathsAreInvalidArguments) {
  auto storage = VfsStorage::create();
  EXPECT_THROW(storage->write_file("/a/../b", "x"), InvalidArgumentError);
  EXPECT_THROW(storage->read_file("./a"), InvalidArgumentError);
  EXPECT_THROW(storage->read_file(""), InvalidArgumentError);
  EXPECT_THROW(storage->read_file(std::string("a\0b", 3)), InvalidArgumentError);
  EXPECT_THROW(VfsStorage::create(0), InvalidArgumentError);
}

TEST(VfsStorage, RemoveTakesFilesAndWholeDirectories) {
  auto storage = VfsStorage::create();
  storage->write_file("/keep", "k");
  storage->write_file("/d/e/f", "123");
  storage->remove("/d");
  EXPECT_EQ(storage->list(), std::vector<std::string>{"keep"});
  EXPECT_EQ(storage->size_bytes(), 1u);
  storage->remove("/");
  EXPECT_TRUE(storage->list().empty());
  EXPECT_EQ(storage->size_bytes(), 0u);
}

TEST(VfsStorage, HostWritePastMaxBytesIsNoSpaceAndChangesNothing) {
  auto storage = VfsStorage::create(10);
  storage->write_file("/a", "12345");
  EXPECT_EQ(error_code_of([&] { storage->write_file("/b", "1234567890"); }), ENOSPC);
  EXPECT_EQ(storage->list(), std::vector<std::string>{"a"});
  EXPECT_EQ(storage->size_bytes(), 5u);
  EXPECT_EQ(storage->max_bytes(), 10u);
}

TEST(VfsStorage, SnapshotRestoresFilesDirectoriesAndEmptyDirectories) {
  auto storage = VfsStorage::create();
  storage->write_file("/x/y.bin", std::string("\0\1\2", 3));
  storage->write_file("/top", "t");
  auto root = detail::VfsStorageAccess::mount(*storage);
  {
    auto guard = root->lock();
    ASSERT_EQ(root->vfs()->make_dir("/empty", vfs::Access::kWritable), vfs::Status::kOk);
  }
  std::string bytes = storage->snapshot();

  auto other = VfsStorage::create();
  other->write_file("/old", "gone after restore");
  other->restore(bytes);
  EXPECT_EQ(other->list(), (std::vector<std::string>{"empty", "top", "x"}));
  EXPECT_EQ(other->read_file("/x/y.bin"), std::string("\0\1\2", 3));
  EXPECT_EQ(other->size_bytes(), storage->size_bytes());
  EXPECT_EQ(other->snapshot(), bytes);
}

TEST(VfsStorage, CorruptSnapshotIsAnErrorAndLeavesTheStorageAsItWas) {
  auto storage = VfsStorage::create();
  storage->write_file("/f", "data");
  std::string bytes = storage->snapshot();
  auto target = VfsStorage::create();
  target->write_file("/mine", "kept");
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x40;
  for (const std::string& bad :
       {flipped, bytes.substr(0, bytes.size() - 1), std::string("junk"), std::string()}) {
    EXPECT_THROW(target->restore(bad), Error);
    EXPECT_EQ(target->read_file("/mine"), "kept");
  }
}

TEST(VfsStorage, SnapshotTooLargeForMaxBytesIsAResourceLimitError) {
  auto storage = VfsStorage::create();
  storage->write_file("/big", std::string(1000, 'b'));
  auto small = VfsStorage::create(100);
  small->write_file("/mine", "kept");
  EXPECT_THROW(small->restore(storage->snapshot()), ResourceLimitError);
  EXPECT_EQ(small->read_file("/mine"), "kept");
}

// A guest of the storage, as a Session's WASI context holds it: the storage at /data (fd 4). Not a
// gtest fixture, and it asserts nothing itself, so threads may use it (they report by return
// value).
class StorageGuest {
 public:
  explicit StorageGuest(const std::shared_ptr<VfsStorage>& storage) {
    wasi::WasiOptions options;
    options.vfs = testing::default_vfs();
    options.mounts.push_back({"/data", detail::VfsStorageAccess::mount(*storage)});
    context_ = std::make_unique<wasi::WasiContext>(std::move(options));
  }

  // path_open on the storage's preopen; UINT32_MAX when it fails.
  uint32_t open_data(std::string_view path, uint32_t oflags, uint32_t fdflags = 0) {
    uint32_t p = guest_.put(path);
    uint32_t out = guest_.alloc(4, 4);
    Errno e = E(context_->path_open(guest_.mem(), 4, abi::kLookupSymlinkFollow, p,
                                    static_cast<uint32_t>(path.size()), oflags, abi::kRightsAll,
                                    abi::kRightsAll, fdflags, out));
    return e == Errno::kSuccess ? guest_.get<uint32_t>(out) : UINT32_MAX;
  }
  Errno write(uint32_t fd, std::string_view data) {
    uint32_t iov = guest_.ciovec(data);
    uint32_t out = guest_.alloc(4, 4);
    return E(context_->fd_write(guest_.mem(), fd, iov, 1, out));
  }
  std::string read(uint32_t fd, uint32_t n) {
    uint32_t buf = guest_.alloc(n, 1);
    uint32_t iov = guest_.iovecs({{buf, n}});
    uint32_t out = guest_.alloc(4, 4);
    if (E(context_->fd_read(guest_.mem(), fd, iov, 1, out)) != Errno::kSuccess) return "<error>";
    return guest_.str(buf, guest_.get<uint32_t>(out));
  }
  Errno close(uint32_t fd) { return E(context_->fd_close(guest_.mem(), fd)); }
  // Frees the guest memory the calls so far used (fds stay open).
  void reset_heap() { guest_.reset_heap(); }

 private:
  testing::Guest guest_;
  std::unique_ptr<wasi::WasiContext> context_;
};

TEST(VfsStorage, GuestSeesHostFilesAndHostSeesGuestFiles) {
  auto storage = VfsStorage::create();
  storage->write_file("/in.txt", "from host");
  StorageGuest guest(storage);
  uint32_t in = guest.open_data("in.txt", 0);
  EXPECT_EQ(guest.read(in, 100), "from host");
  uint32_t out = guest.open_data("out.txt", abi::kOflagCreat);
  ASSERT_EQ(guest.write(out, "from guest"), Errno::kSuccess);
  EXPECT_EQ(storage->read_file("/out.txt"), "from guest");
}

TEST(VfsStorage, StorageOutlivesItsGuestsAndGuestsOutliveTheStorageObject) {
  auto storage = VfsStorage::create();
  {
    StorageGuest guest(storage);
    ASSERT_EQ(guest.write(guest.open_data("f", abi::kOflagCreat), "persist"), Errno::kSuccess);
  }
  EXPECT_EQ(storage->read_file("/f"), "persist");
  StorageGuest guest(storage);
  storage.reset();
  uint32_t fd = guest.open_data("f", 0);
  EXPECT_EQ(guest.read(fd, 100), "persist");
}

TEST(VfsStorage, RestoreWhileAGuestHoldsAFileOpen) {
  auto storage = VfsStorage::create();
  storage->write_file("/f", "before");
  std::string bytes = storage->snapshot();
  StorageGuest guest(storage);
  uint32_t fd = guest.open_data("f", 0);
  storage->write_file("/f", "changed");
  storage->restore(bytes);
  EXPECT_EQ(guest.read(fd, 100), "changed");  // the open file is the one the restore removed
  uint32_t again = guest.open_data("f", 0);
  EXPECT_EQ(guest.read(again, 100), "before");
}

// Several guests on several threads, and the host, hammer one storage: every file ends complete,
// every appended record whole, and the byte count matches the files.
TEST(VfsStorage, ConcurrentGuestsAndHostKeepTheStorageConsistent) {
  constexpr int kThreads = 6;
  constexpr int kRounds = 200;
  const std::string record = "0123456789abcdef";  // 16 bytes per append
  auto storage = VfsStorage::create(16 * 1024 * 1024);
  std::vector<std::thread> threads;
  std::atomic<bool> failed{false};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      StorageGuest guest(storage);
      uint32_t log = guest.open_data("log", abi::kOflagCreat, abi::kFdflagAppend);
      for (int i = 0; i < kRounds; ++i) {
        std::string name = "t" + std::to_string(t) + "_" + std::to_string(i % 10);
        uint32_t fd = guest.open_data(name, abi::kOflagCreat | abi::kOflagTrunc);
        if (guest.write(fd, name + name) != Errno::kSuccess) failed = true;
        if (guest.close(fd) != Errno::kSuccess) failed = true;
        if (guest.write(log, record) != Errno::kSuccess) failed = true;
        guest.reset_heap();
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < kRounds; ++i) {
      (void)storage->list();
      (void)storage->size_bytes();
      storage->write_file("/host/" + std::to_string(i % 7), std::string(i, 'h'));
    }
  });
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(failed);

  std::string log = storage->read_file("/log");
  ASSERT_EQ(log.size(), record.size() * kThreads * kRounds);
  for (size_t pos = 0; pos < log.size(); pos += record.size()) {
    ASSERT_EQ(log.compare(pos, record.size(), record), 0) << "torn record at " << pos;
  }
  uint64_t total = log.size();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < 10; ++i) {
      std::string name = "t" + std::to_string(t) + "_" + std::to_string(i);
      EXPECT_EQ(storage->read_file(name), name + name);
      total += 2 * name.size();
    }
  }
  for (const auto& name : storage->list("/host"))
    total += storage->read_file("/host/" + name).size();
  EXPECT_EQ(storage->size_bytes(), total);
}

}  // namespace
}  // namespace eryx
