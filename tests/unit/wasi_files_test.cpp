// Files and directories through path_* and fd_*: round trips, permissions, quota.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "guest.h"

namespace eryx::testing {
namespace {

namespace abi = wasi::abi;

class WasiFiles : public WasiFixture {
 protected:
  struct DirEntry {
    std::string name;
    uint64_t next;
    uint64_t ino;
    uint8_t type;
  };

  // One fd_readdir call; returns the complete entries and whether the buffer was filled.
  std::vector<DirEntry> readdir(uint32_t fd, uint32_t buf_len, uint64_t cookie, bool* full) {
    uint32_t buf = guest_.alloc(buf_len);
    uint32_t used_ptr = guest_.alloc(4);
    EXPECT_EQ(E(ctx().fd_readdir(mem(), fd, buf, buf_len, cookie, used_ptr)), Errno::kSuccess);
    uint32_t used = guest_.get<uint32_t>(used_ptr);
    if (full) *full = used == buf_len;
    std::vector<DirEntry> entries;
    uint32_t pos = 0;
    while (pos + sizeof(abi::Dirent) <= used) {
      auto d = guest_.get<abi::Dirent>(buf + pos);
      if (pos + sizeof(abi::Dirent) + d.d_namlen > used) break;  // cut short: retry later
      entries.push_back(
          {guest_.str(buf + pos + sizeof(abi::Dirent), d.d_namlen), d.d_next, d.d_ino, d.d_type});
      pos += sizeof(abi::Dirent) + d.d_namlen;
    }
    return entries;
  }

  // Every entry of a directory, read with buffers of `buf_len` bytes and cookie continuation.
  std::vector<std::string> list(uint32_t fd, uint32_t buf_len) {
    std::vector<std::string> names;
    uint64_t cookie = 0;
    for (int round = 0; round < 1000; ++round) {
      bool full = false;
      auto entries = readdir(fd, buf_len, cookie, &full);
      for (const auto& e : entries) {
        names.push_back(e.name);
        cookie = e.next;
      }
      if (!full) break;
      EXPECT_FALSE(entries.empty()) << "buffer too small for a single entry";
      if (entries.empty()) break;
    }
    return names;
  }
};

TEST_F(WasiFiles, CreateWriteReadRoundTrip) {
  uint32_t fd = create("tmp/hello.txt");
  uint32_t written = 0;
  EXPECT_EQ(write(fd, "hello world", &written), Errno::kSuccess);
  EXPECT_EQ(written, 11u);
  EXPECT_EQ(read_file("/tmp/hello.txt"), "hello world");
  EXPECT_EQ(seek(fd, 0, abi::kWhenceSet), Errno::kSuccess);
  EXPECT_EQ(read(fd, 5), "hello");
  EXPECT_EQ(read(fd, 100), " world");
  EXPECT_EQ(read(fd, 100), "");
}

TEST_F(WasiFiles, ReadSpreadsAcrossIovecs) {
  ASSERT_EQ(ctx().vfs().write_file("/tmp/f", "abcdefgh"), vfs::Status::kOk);
  uint32_t fd = 0;
  ASSERT_EQ(open("tmp/f", 0, kReadRights, fd), Errno::kSuccess);
  uint32_t a = guest_.alloc(3);
  uint32_t b = guest_.alloc(10);
  uint32_t iov = guest_.iovecs({{a, 3}, {b, 10}});
  uint32_t out = guest_.alloc(4);
  EXPECT_EQ(E(ctx().fd_read(mem(), fd, iov, 2, out)), Errno::kSuccess);
  EXPECT_EQ(guest_.get<uint32_t>(out), 8u);
  EXPECT_EQ(guest_.str(a, 3), "abc");
  EXPECT_EQ(guest_.str(b, 5), "defgh");
}

TEST_F(WasiFiles, SeekFromSetCurAndEnd) {
  uint32_t fd = create("tmp/f");
  write(fd, "0123456789");
  uint64_t pos = 0;
  EXPECT_EQ(seek(fd, 2, abi::kWhenceSet, &pos), Errno::kSuccess);
  EXPECT_EQ(pos, 2u);
  EXPECT_EQ(seek(fd, 3, abi::kWhenceCur, &pos), Errno::kSuccess);
  EXPECT_EQ(pos, 5u);
  EXPECT_EQ(seek(fd, -4, abi::kWhenceEnd, &pos), Errno::kSuccess);
  EXPECT_EQ(pos, 6u);
  EXPECT_EQ(read(fd, 2), "67");
  uint32_t tell = guest_.alloc(8);
  EXPECT_EQ(E(ctx().fd_tell(mem(), fd, tell)), Errno::kSuccess);
  EXPECT_EQ(guest_.get<uint64_t>(tell), 8u);
}

TEST_F(WasiFiles, SeekToNegativeOffsetIsInval) {
  uint32_t fd = create("tmp/f");
  write(fd, "abc");
  EXPECT_EQ(seek(fd, -4, abi::kWhenceEnd), Errno::kInval);
  EXPECT_EQ(seek(fd, -1, abi::kWhenceSet), Errno::kInval);
  EXPECT_EQ(seek(fd, 0, 3), Errno::kInval);
}

TEST_F(WasiFiles, SeekPastEndThenWriteZeroFills) {
  uint32_t fd = create("tmp/f");
  write(fd, "ab");
  seek(fd, 4, abi::kWhenceSet);
  write(fd, "c");
  EXPECT_EQ(read_file("/tmp/f"), std::string("ab\0\0c", 5));
}

TEST_F(WasiFiles, PreadAndPwriteLeaveTheOffsetAlone) {
  uint32_t fd = create("tmp/f");
  write(fd, "abcdef");
  uint32_t data = guest_.ciovec("XY");
  uint32_t out = guest_.alloc(4);
  EXPECT_EQ(E(ctx().fd_pwrite(mem(), fd, data, 1, 1, out)), Errno::kSuccess);
  uint32_t buf = guest_.alloc(3);
  uint32_t iov = guest_.iovecs({{buf, 3}});
  EXPECT_EQ(E(ctx().fd_pread(mem(), fd, iov, 1, 2, out)), Errno::kSuccess);
  EXPECT_EQ(guest_.str(buf, guest_.get<uint32_t>(out)), "Yde");
  uint64_t pos = 0;
  seek(fd, 0, abi::kWhenceCur, &pos);
  EXPECT_EQ(pos, 6u);
  EXPECT_EQ(read_file("/tmp/f"), "aXYdef");
}

TEST_F(WasiFiles, AppendFlagWritesAtTheEnd) {
  ASSERT_EQ(ctx().vfs().write_file("/tmp/log", "one\n"), vfs::Status::kOk);
  uint32_t fd = 0;
  ASSERT_EQ(open("tmp/log", 0, kWriteRights, fd, abi::kFdflagAppend), Errno::kSuccess);
  write(fd, "two\n");
  EXPECT_EQ(read_file("/tmp/log"), "one\ntwo\n");
}

TEST_F(WasiFiles, ExclusiveCreateOfExistingFileIsExist) {
  create("tmp/f");
  uint32_t fd = 0;
  EXPECT_EQ(open("tmp/f", abi::kOflagCreat | abi::kOflagExcl, kWriteRights, fd), Errno::kExist);
}

TEST_F(WasiFiles, TruncateEmptiesTheFile) {
  ASSERT_EQ(ctx().vfs().write_file("/tmp/f", "content"), vfs::Status::kOk);
  uint32_t fd = 0;
  EXPECT_EQ(open("tmp/f", abi::kOflagTrunc, kWriteRights, fd), Errno::kSuccess);
  EXPECT_EQ(read_file("/tmp/f"), "");
}

TEST_F(WasiFiles, DirectoryFlagOnAFileIsNotdir) {
  create("tmp/f");
  uint32_t fd = 0;
  EXPECT_EQ(open("tmp/f", abi::kOflagDirectory, kReadRights, fd), Errno::kNotdir);
}

TEST_F(WasiFiles, OpeningADirectoryForWritingIsIsdir) {
  uint32_t fd = 0;
  EXPECT_EQ(open("tmp", 0, kWriteRights, fd), Errno::kIsdir);
}

TEST_F(WasiFiles, OpeningAMissingFileIsNoent) {
  uint32_t fd = 0;
  EXPECT_EQ(open("tmp/none", 0, kReadRights, fd), Errno::kNoent);
}

TEST_F(WasiFiles, DotDotPathsCannotEscapeTheRoot) {
  uint32_t fd = 0;
  EXPECT_EQ(open("../../etc/passwd", 0, kReadRights, fd), Errno::kNoent);
  EXPECT_EQ(open("/../../../etc/passwd", 0, kReadRights, fd), Errno::kNoent);
  // The same ".." walk lands on the VFS's own directories.
  ASSERT_EQ(open("../../tmp/../..", abi::kOflagDirectory, kReadRights, fd), Errno::kSuccess);
  abi::Filestat root{}, opened{};
  stat(".", root);
  uint32_t buf = guest_.alloc(sizeof(abi::Filestat));
  ASSERT_EQ(E(ctx().fd_filestat_get(mem(), fd, buf)), Errno::kSuccess);
  opened = guest_.get<abi::Filestat>(buf);
  EXPECT_EQ(opened.ino, root.ino);
}

TEST_F(WasiFiles, SymlinkCannotEscapeEither) {
  uint32_t target = guest_.put("/../../../../etc");
  uint32_t link = guest_.put("tmp/etc");
  ASSERT_EQ(E(ctx().path_symlink(mem(), target, 16, wasi::kPreopenFd, link, 7)), Errno::kSuccess);
  uint32_t fd = 0;
  EXPECT_EQ(open("tmp/etc/passwd", 0, kReadRights, fd), Errno::kNoent);
}

TEST_F(WasiFiles, StdlibImageIsReadable) {
  uint32_t fd = 0;
  ASSERT_EQ(open("usr/local/lib/python313.zip", 0, kReadRights, fd), Errno::kSuccess);
  EXPECT_EQ(read(fd, 2), "PK");
}

TEST_F(WasiFiles, StdlibImageRefusesWrites) {
  uint32_t fd = 0;
  EXPECT_EQ(open("usr/local/lib/python313.zip", 0, kWriteRights, fd), Errno::kRofs);
  EXPECT_EQ(open("usr/local/lib/python313.zip", abi::kOflagTrunc, kReadRights, fd), Errno::kRofs);
  ASSERT_EQ(open("usr/local/lib/python313.zip", 0, kReadRights, fd), Errno::kSuccess);
  EXPECT_EQ(write(fd, "x"), Errno::kBadf);
  EXPECT_EQ(E(ctx().fd_filestat_set_size(mem(), fd, 0)), Errno::kBadf);
  EXPECT_EQ(unlink("usr/local/lib/python313.zip"), Errno::kRofs);
  EXPECT_EQ(rename("usr/local/lib/python313.zip", "tmp/stolen.zip"), Errno::kRofs);
  EXPECT_EQ(read_file("/usr/local/lib/python313.zip").substr(0, 2), "PK");
}

TEST_F(WasiFiles, ReadOnlyDirectoriesRefuseNewEntries) {
  uint32_t fd = 0;
  EXPECT_EQ(open("newfile", abi::kOflagCreat, kWriteRights, fd), Errno::kRofs);
  EXPECT_EQ(mkdir("usr/local/lib/x"), Errno::kRofs);
  EXPECT_EQ(rmdir("usr/local/lib"), Errno::kNotempty);
  EXPECT_EQ(rmdir("tmp"), Errno::kRofs);
}

TEST_F(WasiFiles, WritesPastTheQuotaAreNospc) {
  wasi::WasiOptions options;
  options.vfs = default_vfs({.quota_bytes = 100, .max_entries = 100});
  make_context(std::move(options));
  uint32_t fd = create("tmp/f");
  EXPECT_EQ(write(fd, std::string(80, 'a')), Errno::kSuccess);
  EXPECT_EQ(write(fd, std::string(30, 'b')), Errno::kNospc);
  EXPECT_EQ(read_file("/tmp/f"), std::string(80, 'a'));  // all or nothing
  EXPECT_EQ(write(fd, std::string(20, 'c')), Errno::kSuccess);
  EXPECT_EQ(write(fd, "d"), Errno::kNospc);
}

TEST_F(WasiFiles, AllocateAndSetSizeCountAgainstTheQuota) {
  wasi::WasiOptions options;
  options.vfs = default_vfs({.quota_bytes = 100, .max_entries = 100});
  make_context(std::move(options));
  uint32_t fd = create("tmp/f");
  EXPECT_EQ(E(ctx().fd_allocate(mem(), fd, 0, 101)), Errno::kNospc);
  EXPECT_EQ(E(ctx().fd_allocate(mem(), fd, 50, 50)), Errno::kSuccess);
  EXPECT_EQ(ctx().vfs().used_bytes(), 100u);
  EXPECT_EQ(E(ctx().fd_filestat_set_size(mem(), fd, 101)), Errno::kNospc);
  EXPECT_EQ(E(ctx().fd_filestat_set_size(mem(), fd, 10)), Errno::kSuccess);
  EXPECT_EQ(ctx().vfs().used_bytes(), 10u);
}

TEST_F(WasiFiles, UnlinkingGivesTheQuotaBackWhenTheLastFdCloses) {
  uint32_t fd = create("tmp/f");
  write(fd, "12345");
  EXPECT_EQ(unlink("tmp/f"), Errno::kSuccess);
  EXPECT_EQ(ctx().vfs().used_bytes(), 5u);
  EXPECT_EQ(E(ctx().fd_close(mem(), fd)), Errno::kSuccess);
  EXPECT_EQ(ctx().vfs().used_bytes(), 0u);
}

TEST_F(WasiFiles, UnlinkedFileStaysReadableThroughAnOpenFd) {
  uint32_t fd = create("tmp/f");
  write(fd, "still here");
  EXPECT_EQ(unlink("tmp/f"), Errno::kSuccess);
  EXPECT_EQ(read_file("/tmp/f"), "<missing>");
  seek(fd, 0, abi::kWhenceSet);
  EXPECT_EQ(read(fd, 100), "still here");
  uint32_t buf = guest_.alloc(sizeof(abi::Filestat));
  ASSERT_EQ(E(ctx().fd_filestat_get(mem(), fd, buf)), Errno::kSuccess);
  EXPECT_EQ(guest_.get<abi::Filestat>(buf).nlink, 0u);
}

TEST_F(WasiFiles, ReaddirListsDotEntriesAndChildren) {
  mkdir("tmp/d");
  create("tmp/d/a");
  mkdir("tmp/d/sub");
  uint32_t fd = 0;
  ASSERT_EQ(open("tmp/d", abi::kOflagDirectory, kReadRights, fd), Errno::kSuccess);
  auto entries = readdir(fd, 4096, 0, nullptr);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].name, ".");
  EXPECT_EQ(entries[1].name, "..");
  EXPECT_EQ(entries[2].name, "a");
  EXPECT_EQ(entries[2].type, abi::kFiletypeRegularFile);
  EXPECT_EQ(entries[3].name, "sub");
  EXPECT_EQ(entries[3].type, abi::kFiletypeDirectory);
  abi::Filestat st{};
  stat("tmp/d/a", st);
  EXPECT_EQ(entries[2].ino, st.ino);
}

TEST_F(WasiFiles, ReaddirContinuesFromCookiesWithATinyBuffer) {
  mkdir("tmp/d");
  std::set<std::string> expected = {".", ".."};
  for (int i = 0; i < 20; ++i) {
    std::string name = "file_with_a_longish_name_" + std::to_string(i);
    create("tmp/d/" + name);
    expected.insert(name);
  }
  uint32_t fd = 0;
  ASSERT_EQ(open("tmp/d", abi::kOflagDirectory, kReadRights, fd), Errno::kSuccess);
  // 60 bytes hold one entry (24 + ~27) but never two: every call fills the buffer.
  auto names = list(fd, 60);
  std::set<std::string> seen(names.begin(), names.end());
  EXPECT_EQ(names.size(), expected.size());  // no duplicates
  EXPECT_EQ(seen, expected);
}

TEST_F(WasiFiles, ReaddirCookieStaysValidWhenEntriesAreRemoved) {
  mkdir("tmp/d");
  for (auto name : {"a", "b", "c", "d"}) create(std::string("tmp/d/") + name);
  uint32_t fd = 0;
  ASSERT_EQ(open("tmp/d", abi::kOflagDirectory, kReadRights, fd), Errno::kSuccess);
  auto first = readdir(fd, 4096, 0, nullptr);
  ASSERT_EQ(first[3].name, "b");
  unlink("tmp/d/a");
  auto rest = readdir(fd, 4096, first[3].next, nullptr);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].name, "c");
  EXPECT_EQ(rest[1].name, "d");
}

TEST_F(WasiFiles, ReaddirOnAFileIsNotdir) {
  uint32_t fd = create("tmp/f");
  uint32_t buf = guest_.alloc(64);
  uint32_t used = guest_.alloc(4);
  EXPECT_EQ(E(ctx().fd_readdir(mem(), fd, buf, 64, 0, used)), Errno::kNotdir);
}

TEST_F(WasiFiles, RenameMovesAFile) {
  uint32_t fd = create("tmp/a");
  write(fd, "data");
  mkdir("tmp/dir");
  EXPECT_EQ(rename("tmp/a", "tmp/dir/b"), Errno::kSuccess);
  EXPECT_EQ(read_file("/tmp/a"), "<missing>");
  EXPECT_EQ(read_file("/tmp/dir/b"), "data");
}

TEST_F(WasiFiles, RenameReplacesAnExistingFile) {
  ASSERT_EQ(ctx().vfs().write_file("/tmp/a", "new"), vfs::Status::kOk);
  ASSERT_EQ(ctx().vfs().write_file("/tmp/b", "old"), vfs::Status::kOk);
  EXPECT_EQ(rename("tmp/a", "tmp/b"), Errno::kSuccess);
  EXPECT_EQ(read_file("/tmp/b"), "new");
  EXPECT_EQ(read_file("/tmp/a"), "<missing>");
}

TEST_F(WasiFiles, RenameDirectoryOverNonEmptyIsNotempty) {
  mkdir("tmp/a");
  mkdir("tmp/b");
  create("tmp/b/x");
  EXPECT_EQ(rename("tmp/a", "tmp/b"), Errno::kNotempty);
  EXPECT_EQ(rename("tmp/b/x", "tmp/a"), Errno::kIsdir);
  EXPECT_EQ(rename("tmp/a", "tmp/b/x"), Errno::kNotdir);
}

TEST_F(WasiFiles, RenameMissingIsNoent) { EXPECT_EQ(rename("tmp/none", "tmp/x"), Errno::kNoent); }

TEST_F(WasiFiles, UnlinkRemovesAFileButNotADirectory) {
  create("tmp/f");
  mkdir("tmp/d");
  EXPECT_EQ(unlink("tmp/f"), Errno::kSuccess);
  EXPECT_EQ(unlink("tmp/f"), Errno::kNoent);
  EXPECT_EQ(unlink("tmp/d"), Errno::kIsdir);
}

TEST_F(WasiFiles, RmdirNeedsAnEmptyDirectory) {
  mkdir("tmp/d");
  create("tmp/d/f");
  EXPECT_EQ(rmdir("tmp/d"), Errno::kNotempty);
  EXPECT_EQ(unlink("tmp/d/f"), Errno::kSuccess);
  EXPECT_EQ(rmdir("tmp/d"), Errno::kSuccess);
  EXPECT_EQ(rmdir("tmp/d"), Errno::kNoent);
  create("tmp/f");
  EXPECT_EQ(rmdir("tmp/f"), Errno::kNotdir);
}

TEST_F(WasiFiles, MkdirOfAnExistingNameIsExist) {
  EXPECT_EQ(mkdir("tmp/d"), Errno::kSuccess);
  EXPECT_EQ(mkdir("tmp/d"), Errno::kExist);
  create("tmp/f");
  EXPECT_EQ(mkdir("tmp/f"), Errno::kExist);
  EXPECT_EQ(mkdir("tmp/missing/d"), Errno::kNoent);
}

TEST_F(WasiFiles, FilestatReportsTypeSizeInodeAndLinks) {
  uint32_t fd = create("tmp/f");
  write(fd, "12345");
  abi::Filestat st{};
  ASSERT_EQ(stat("tmp/f", st), Errno::kSuccess);
  EXPECT_EQ(st.filetype, abi::kFiletypeRegularFile);
  EXPECT_EQ(st.size, 5u);
  EXPECT_EQ(st.nlink, 1u);
  EXPECT_NE(st.ino, 0u);
  EXPECT_GT(st.mtim, 0u);
  abi::Filestat dir{};
  ASSERT_EQ(stat("tmp", dir), Errno::kSuccess);
  EXPECT_EQ(dir.filetype, abi::kFiletypeDirectory);
  EXPECT_NE(dir.ino, st.ino);
  EXPECT_EQ(stat("tmp/f/", st), Errno::kNotdir);
}

TEST_F(WasiFiles, DirectoryLinkCountFollowsSubdirectories) {
  mkdir("tmp/a");
  mkdir("tmp/b");
  mkdir("tmp/a/c");
  abi::Filestat st{};
  ASSERT_EQ(stat("tmp", st), Errno::kSuccess);
  EXPECT_EQ(st.nlink, 4u);
  ASSERT_EQ(rename("tmp/a/c", "tmp/c"), Errno::kSuccess);
  ASSERT_EQ(rmdir("tmp/b"), Errno::kSuccess);
  stat("tmp", st);
  EXPECT_EQ(st.nlink, 4u);
  stat("tmp/a", st);
  EXPECT_EQ(st.nlink, 2u);
}

TEST_F(WasiFiles, SetTimesChangesMtimeAndValidatesFlags) {
  create("tmp/f");
  uint32_t p = guest_.put("tmp/f");
  EXPECT_EQ(E(ctx().path_filestat_set_times(mem(), wasi::kPreopenFd, 0, p, 5, 111, 222,
                                            abi::kFstflagAtim | abi::kFstflagMtim)),
            Errno::kSuccess);
  abi::Filestat st{};
  stat("tmp/f", st);
  EXPECT_EQ(st.atim, 111u);
  EXPECT_EQ(st.mtim, 222u);
  EXPECT_EQ(E(ctx().path_filestat_set_times(mem(), wasi::kPreopenFd, 0, p, 5, 1, 1,
                                            abi::kFstflagMtim | abi::kFstflagMtimNow)),
            Errno::kInval);
}

TEST_F(WasiFiles, SymlinkReadlinkAndFollow) {
  ASSERT_EQ(ctx().vfs().write_file("/tmp/target", "via link"), vfs::Status::kOk);
  uint32_t target = guest_.put("target");
  uint32_t link = guest_.put("tmp/link");
  ASSERT_EQ(E(ctx().path_symlink(mem(), target, 6, wasi::kPreopenFd, link, 8)), Errno::kSuccess);
  uint32_t buf = guest_.alloc(64);
  uint32_t used = guest_.alloc(4);
  ASSERT_EQ(E(ctx().path_readlink(mem(), wasi::kPreopenFd, link, 8, buf, 64, used)),
            Errno::kSuccess);
  EXPECT_EQ(guest_.str(buf, guest_.get<uint32_t>(used)), "target");
  EXPECT_EQ(read_file("/tmp/link"), "via link");
  uint32_t fd = 0;
  EXPECT_EQ(open("tmp/link", 0, kReadRights, fd, 0, wasi::kPreopenFd, 0), Errno::kLoop);
  abi::Filestat st{};
  ASSERT_EQ(stat("tmp/link", st, 0), Errno::kSuccess);
  EXPECT_EQ(st.filetype, abi::kFiletypeSymbolicLink);
}

TEST_F(WasiFiles, DirectoryFdResolvesRelativePaths) {
  mkdir("tmp/d");
  uint32_t dir = 0;
  ASSERT_EQ(open("tmp/d", abi::kOflagDirectory, kReadRights, dir), Errno::kSuccess);
  uint32_t fd = 0;
  ASSERT_EQ(open("inner", abi::kOflagCreat, kWriteRights, fd, 0, dir), Errno::kSuccess);
  write(fd, "x");
  EXPECT_EQ(read_file("/tmp/d/inner"), "x");
  ASSERT_EQ(open("../d/inner", 0, kReadRights, fd, 0, dir), Errno::kSuccess);
  EXPECT_EQ(read(fd, 4), "x");
}

TEST_F(WasiFiles, OpenCannotGainRightsTheDirectoryDoesNotPassOn) {
  mkdir("tmp/d");
  uint32_t dir = 0;
  ASSERT_EQ(open("tmp/d", abi::kOflagDirectory, kReadRights, dir, 0, wasi::kPreopenFd,
                 abi::kLookupSymlinkFollow, /*inheriting=*/kReadRights),
            Errno::kSuccess);
  uint32_t fd = 0;
  EXPECT_EQ(open("f", abi::kOflagCreat, kWriteRights, fd, 0, dir), Errno::kNotcapable);
  EXPECT_EQ(read_file("/tmp/d/f"), "<missing>");
}

TEST_F(WasiFiles, PathCallsOnAFileFdAreNotdir) {
  uint32_t fd = create("tmp/f");
  EXPECT_EQ(path_call(&wasi::WasiContext::path_create_directory, "x", fd), Errno::kNotdir);
  EXPECT_EQ(path_call(&wasi::WasiContext::path_create_directory, "x", 77), Errno::kBadf);
}

TEST_F(WasiFiles, RenumberMovesAnFd) {
  uint32_t a = create("tmp/a");
  uint32_t b = create("tmp/b");
  write(a, "A");
  EXPECT_EQ(E(ctx().fd_renumber(mem(), a, b)), Errno::kSuccess);
  EXPECT_EQ(write(a, "x"), Errno::kBadf);
  write(b, "B");
  EXPECT_EQ(read_file("/tmp/a"), "AB");
  EXPECT_EQ(E(ctx().fd_renumber(mem(), b, 500)), Errno::kBadf);
}

TEST_F(WasiFiles, FdstatReportsRightsAndSetRightsOnlyDrops) {
  uint32_t fd = create("tmp/f");
  uint32_t buf = guest_.alloc(sizeof(abi::Fdstat));
  ASSERT_EQ(E(ctx().fd_fdstat_get(mem(), fd, buf)), Errno::kSuccess);
  auto st = guest_.get<abi::Fdstat>(buf);
  EXPECT_EQ(st.fs_filetype, abi::kFiletypeRegularFile);
  EXPECT_EQ(st.fs_rights_base, kWriteRights);
  EXPECT_EQ(E(ctx().fd_fdstat_set_rights(mem(), fd, kReadRights, 0)), Errno::kSuccess);
  EXPECT_EQ(write(fd, "x"), Errno::kBadf);
  EXPECT_EQ(E(ctx().fd_fdstat_set_rights(mem(), fd, kWriteRights, 0)), Errno::kNotcapable);
}

TEST_F(WasiFiles, SetFlagsTurnsOnAppend) {
  uint32_t fd = create("tmp/f");
  write(fd, "ab");
  seek(fd, 0, abi::kWhenceSet);
  EXPECT_EQ(E(ctx().fd_fdstat_set_flags(mem(), fd, abi::kFdflagAppend)), Errno::kSuccess);
  write(fd, "c");
  EXPECT_EQ(read_file("/tmp/f"), "abc");
  EXPECT_EQ(E(ctx().fd_fdstat_set_flags(mem(), fd, 0x100)), Errno::kInval);
}

}  // namespace
}  // namespace eryx::testing
