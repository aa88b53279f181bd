// The package reader without an engine: archives are built here, byte by byte for zip (so names
// with NUL bytes, invalid UTF-8, duplicates and lying sizes can be written) and with libarchive's
// writer for tarballs (links and devices).
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "eryx/errors.hpp"
#include "packages/archive_reader.h"
#include "packages/package_set.h"

namespace eryx::packages {
namespace {

namespace fs = std::filesystem;

// ---- archive builders --------------------------------------------------------------------------

void put16(std::string& out, uint32_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>((v >> 8) & 0xff);
}
void put32(std::string& out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

std::string raw_deflate(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct ZipEntry {
  ZipEntry(std::string name, std::string data, bool deflate = false, uint32_t unix_mode = 0100644,
           int64_t declared_size = -1)
      : name(std::move(name)),
        data(std::move(data)),
        deflate(deflate),
        unix_mode(unix_mode),
        declared_size(declared_size) {}
  std::string name;
  std::string data;
  bool deflate;
  uint32_t unix_mode;     // S_IFLNK (0120000) makes a symlink whose target is `data`
  int64_t declared_size;  // the uncompressed size the headers claim (-1: the true one)
};

// A zip archive as zipfile would write it (UTF-8 flag set, Unix attributes).
std::string make_zip(const std::vector<ZipEntry>& entries) {
  std::string out, directory;
  for (const auto& e : entries) {
    uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), e.data.size());
    std::string stored = e.deflate ? raw_deflate(e.data) : e.data;
    uint32_t offset = static_cast<uint32_t>(out.size());
    auto header = [&](std::string& h, bool central) {
      put32(h, central ? 0x02014b50 : 0x04034b50);
      if (central) put16(h, (3 << 8) | 20);  // made by Unix
      put16(h, 20);                          // version needed
      put16(h, 1 << 11);                     // UTF-8 names
      put16(h, e.deflate ? 8 : 0);
      put32(h, 0);  // time, date
      put32(h, crc);
      put32(h, static_cast<uint32_t>(stored.size()));
      put32(h, static_cast<uint32_t>(e.declared_size >= 0 ? e.declared_size : e.data.size()));
      put16(h, static_cast<uint32_t>(e.name.size()));
      put16(h, 0);  // extra
      if (central) {
        put16(h, 0);  // comment
        put16(h, 0);  // disk
        put16(h, 0);  // internal attributes
        put32(h, e.unix_mode << 16);
        put32(h, offset);
      }
      h += e.name;
    };
    header(out, false);
    out += stored;
    header(directory, true);
  }
  uint32_t directory_offset = static_cast<uint32_t>(out.size());
  out += directory;
  put32(out, 0x06054b50);
  put32(out, 0);
  put16(out, static_cast<uint32_t>(entries.size()));
  put16(out, static_cast<uint32_t>(entries.size()));
  put32(out, static_cast<uint32_t>(directory.size()));
  put32(out, directory_offset);
  put16(out, 0);
  return out;
}

struct TarEntry {
  TarEntry(std::string name, std::string data, mode_t type = AE_IFREG, std::string link = "",
           bool hardlink = false)
      : name(std::move(name)),
        data(std::move(data)),
        type(type),
        link(std::move(link)),
        hardlink(hardlink) {}
  std::string name;
  std::string data;
  mode_t type;
  std::string link;  // symlink target, or hard link target when hardlink is set
  bool hardlink;
};

std::string make_tar_gz(const std::vector<TarEntry>& entries) {
  std::vector<char> buffer(8 * 1024 * 1024);
  size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_add_filter_gzip(a);
  archive_write_open_memory(a, buffer.data(), buffer.size(), &used);
  for (const auto& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, 0644);
    if (e.hardlink) archive_entry_set_hardlink(entry, e.link.c_str());
    if (e.type == AE_IFLNK) archive_entry_set_symlink(entry, e.link.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
    archive_write_header(a, entry);
    if (!e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buffer.data(), used);
}

// The message of the InvalidArgumentError `f` throws ("" when it throws nothing).
template <typename F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const InvalidArgumentError& e) {
    return e.what();
  }
  return "";
}

std::string zip_refusal(const std::vector<ZipEntry>& entries, const Limits& limits = {}) {
  return refusal([&] { read_archive("bad.whl", make_zip(entries), ArchiveKind::kZip, limits); });
}

std::string tar_refusal(const std::vector<TarEntry>& entries) {
  return refusal([&] { read_archive("bad.tar.gz", make_tar_gz(entries), ArchiveKind::kTarGz); });
}

std::string random_bytes(size_t n) {
  std::mt19937 rng(42);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

// ---- reading good archives ---------------------------------------------------------------------

TEST(PackageArchive, ReadsTheFilesOfAZipWithTheirBytes) {
  auto files = read_archive("ok.whl",
                            make_zip({{"pkg/__init__.py", "x = 1\n"},
                                      {"pkg/data.txt", std::string(5000, 'a'), true},
                                      {"pkg-1.0.dist-info/METADATA", "Name: pkg\n"}}),
                            ArchiveKind::kZip);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].path, "pkg/__init__.py");
  EXPECT_EQ(files[0].bytes, "x = 1\n");
  EXPECT_EQ(files[1].bytes, std::string(5000, 'a'));
}

TEST(PackageArchive, ReadsATarGzAndDropsLeadingDotSlashAndDirectories) {
  auto files = read_archive(
      "ok.tar.gz",
      make_tar_gz({{"./top/", "", AE_IFDIR}, {"./top/mod.py", "y = 2\n"}, {"top/é.py", "z = 3\n"}}),
      ArchiveKind::kTarGz);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "top/mod.py");
  EXPECT_EQ(files[1].path, "top/é.py");
}

// ---- hostile archives --------------------------------------------------------------------------

TEST(PackageArchive, RefusesBytesThatAreNotAZip) {
  auto message = refusal([] { read_archive("x.whl", "not a zip", ArchiveKind::kZip); });
  EXPECT_NE(message.find("x.whl is not a zip archive"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesAZipGivenAsATarGz) {
  auto message =
      refusal([] { read_archive("x.tar.gz", make_zip({{"a.py", ""}}), ArchiveKind::kTarGz); });
  EXPECT_NE(message.find("is not a gzip-compressed tar archive"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesATruncatedZip) {
  auto zip = make_zip({{"a.py", random_bytes(10000), true}});
  auto message =
      refusal([&] { read_archive("cut.whl", zip.substr(0, zip.size() / 2), ArchiveKind::kZip); });
  EXPECT_NE(message.find("cut.whl"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesAGzipWhoseTarIsCutWithoutALibarchiveMessage) {
  // Found by fuzz/package_archive_fuzzer.cpp: libarchive fails this open with no error text.
  const std::string bytes(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xed\xd3\xb1\x0e\xc2\x20\x14\x40\x51\x66\xbf\x82"
      "\x1f\x50\xb0\x90\x3a\x39\x98\xd8\xd1\xc5\xcd\x89\x10\xd3\x28\x31\x2a\x29\x38\xf8\xf7\xa2"
      "\x93\xba\xb8\x68\x13\xd3\x7b\x96\x47\x1e\xc3\x9b\x6e\x3e\x47\x95\x42\x6e\xc7\xd1\x6f\x0f"
      "\x7e\xd7\x26\x75\x54\xce\x85\x53\xc8\xce\x4d\xe2\x55\x7c\x83\x2e\x6a\x6b\x1f\xb3\x78\x9f"
      "\xf7\xdf\xa7\x77\xd9\x4f\x4d\x6d\xb4\x90\x5a\xf4\xe0\x92\xb2\xef\xca\x79\x31\x4c\x1b\x39"
      "\x97\xd5\x48\x60\xa0\x72\xe9\x7f\xdd\x2c\x96\xab\xe6\x77\x34\x3e\xf7\x6f\x5e\xfb\xd7\x33"
      "\x5b\xd1\x7f\x2f\xf6\x81\xf8\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xfe\xd9\x0d"
      "\x11\x00\x28\x00\x00",
      159);
  auto message = refusal([&] { read_archive("cut.tar.gz", bytes, ArchiveKind::kTarGz); });
  EXPECT_NE(message.find("cut.tar.gz"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesAParentDirectoryEntry) {
  auto message = zip_refusal({{"../evil.py", "x"}});
  EXPECT_NE(message.find("bad.whl: entry '../evil.py' leaves the package"), std::string::npos)
      << message;
}

TEST(PackageArchive, RefusesADotDotInTheMiddleOfAName) {
  auto message = zip_refusal({{"a/../../b.py", "x"}});
  EXPECT_NE(message.find("'a/../../b.py' leaves the package"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesAnAbsoluteName) {
  auto message = zip_refusal({{"/etc/passwd", "x"}});
  EXPECT_NE(message.find("'/etc/passwd' has an absolute name"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesABackslashTraversal) {
  // libarchive reads a zip's backslashes as separators (archives made on Windows).
  auto message = zip_refusal({{"..\\..\\evil.py", "x"}});
  EXPECT_NE(message.find("leaves the package"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesABackslashInATarName) {
  auto message = tar_refusal({{"pkg\\..\\..\\evil.py", "x"}});
  EXPECT_NE(message.find("has a backslash"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesANameWithANulByte) {
  auto message = zip_refusal({{std::string("evil.py\0.txt", 12), "x"}});
  EXPECT_NE(message.find("entry 'evil.py' has a NUL byte in its name"), std::string::npos)
      << message;
}

TEST(PackageArchive, RefusesANameThatIsNotUtf8) {
  auto message = zip_refusal({{"pkg/\xff\xfe.py", "x"}});
  EXPECT_NE(message.find("not valid UTF-8"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesANameComponentLongerThan255Bytes) {
  auto message = zip_refusal({{std::string(300, 'a') + ".py", "x"}});
  EXPECT_NE(message.find("has a name component too long"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesAZipSymlink) {
  auto message = zip_refusal({{"link.py", "/etc/passwd", false, 0120777}});
  EXPECT_NE(message.find("'link.py' is a symbolic link"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesATarSymlink) {
  auto message = tar_refusal({{"pkg/link.py", "", AE_IFLNK, "../../etc/passwd"}});
  EXPECT_NE(message.find("'pkg/link.py' is a symbolic link"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesATarHardLink) {
  auto message = tar_refusal({{"a.py", "x"}, {"b.py", "", AE_IFREG, "a.py", true}});
  EXPECT_NE(message.find("'b.py' is a hard link"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesATarDevice) {
  auto message = tar_refusal({{"dev/zero", "", AE_IFCHR}});
  EXPECT_NE(message.find("'dev/zero' is a character device"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesATarFifo) {
  auto message = tar_refusal({{"pipe", "", AE_IFIFO}});
  EXPECT_NE(message.find("'pipe' is a FIFO"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesADuplicateName) {
  auto message = zip_refusal({{"pkg/a.py", "1"}, {"pkg/a.py", "2"}});
  EXPECT_NE(message.find("'pkg/a.py' is a duplicate name"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesANameThatIsADuplicateOnceNormalised) {
  auto message = tar_refusal({{"pkg/a.py", "1"}, {"./pkg//a.py", "2"}});
  EXPECT_NE(message.find("is a duplicate name"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesAnEntryInsideAFile) {
  auto message = zip_refusal({{"pkg", "file"}, {"pkg/a.py", "x"}});
  EXPECT_NE(message.find("'pkg/a.py' is inside a file"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesMoreEntriesThanTheLimit) {
  std::vector<ZipEntry> entries;
  for (int i = 0; i < 11; ++i) entries.push_back({"m" + std::to_string(i) + ".py", ""});
  auto message = zip_refusal(entries, {.max_entries = 10});
  EXPECT_NE(message.find("'m10.py' is one too many"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesAnEntryLargerThanTheEntryCap) {
  auto message = zip_refusal({{"big.bin", random_bytes(300'000)}}, {.max_entry_bytes = 200'000});
  EXPECT_NE(message.find("'big.bin' is larger than 200000 bytes"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesAnArchiveLargerThanTheTotalCap) {
  auto message = zip_refusal({{"a.bin", random_bytes(150'000)}, {"b.bin", random_bytes(150'000)}},
                             {.max_total_bytes = 200'000});
  EXPECT_NE(message.find("'b.bin' takes the archive past 200000 bytes"), std::string::npos)
      << message;
}

TEST(PackageArchive, RefusesAZipBomb) {
  // 20 MiB of zeros deflate to ~20 KB: a ratio of about 1000.
  auto message = zip_refusal({{"bomb.txt", std::string(20 << 20, '\0'), true}});
  EXPECT_NE(message.find("'bomb.txt' expands the archive more than 100 times"), std::string::npos)
      << message;
}

TEST(PackageArchive, RefusesAnEntryWhoseHeaderUnderstatesItsSize) {
  // The headers say 10 bytes; the deflated data holds 2 MiB. Reading stops at the cap whatever
  // the header says, or libarchive refuses the mismatch.
  auto zip = make_zip({{"liar.bin", std::string(2 << 20, 'a'), true, 0100644, 10}});
  auto message = refusal(
      [&] { read_archive("liar.whl", zip, ArchiveKind::kZip, {.max_entry_bytes = 1 << 20}); });
  EXPECT_NE(message.find("liar.whl"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesANativeExtensionForWasi) {
  auto message = zip_refusal({{"pkg/_speedups.cpython-313-wasm32-wasi.so", "\0asm"}});
  EXPECT_NE(message.find("'pkg/_speedups.cpython-313-wasm32-wasi.so' is a native extension"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("built into a guest flavour"), std::string::npos) << message;
}

TEST(PackageArchive, RefusesAnyOtherSharedLibrary) {
  EXPECT_NE(zip_refusal({{"pkg.libs/libz.so.1", "x"}}).find("native extension"), std::string::npos);
  EXPECT_NE(zip_refusal({{"pkg/_c.pyd", "x"}}).find("native extension"), std::string::npos);
}

// ---- package sets and sharing ------------------------------------------------------------------

class PackageSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("eryx-packages-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& bytes) {
    auto path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  fs::path dir_;
};

TEST_F(PackageSetTest, AWheelsPurelibDataIsInstalledAtTheRoot) {
  auto wheel =
      write("p-1.0-py3-none-any.whl", make_zip({{"p/__init__.py", ""},
                                                {"p-1.0.data/purelib/extra.py", "e = 1\n"},
                                                {"p-1.0.data/scripts/tool", "#!/bin/sh\n"}}));
  auto set = load_package_set({wheel}, std::nullopt);
  ASSERT_EQ(set->files.size(), 2u);
  EXPECT_EQ(set->files[0].first, "extra.py");
  EXPECT_EQ(set->files[1].first, "p/__init__.py");
}

TEST_F(PackageSetTest, ATarballsSitePackagesTreeUnderATopFolderIsTheRoot) {
  auto tarball = write("m-wasi.tar.gz", make_tar_gz({{"m-wasi/site-packages/m/__init__.py", "m"},
                                                     {"m-wasi/README", "not importable"}}));
  auto set = load_package_set({tarball}, std::nullopt);
  ASSERT_EQ(set->files.size(), 1u);
  EXPECT_EQ(set->files[0].first, "m/__init__.py");
}

TEST_F(PackageSetTest, ADirectoryIsItsOwnRootWithoutPycacheOrSymlinks) {
  write("site/d/__init__.py", "d = 1\n");
  write("site/d/__pycache__/__init__.cpython-313.pyc", "stale");
  fs::create_symlink("/etc/passwd", dir_ / "site" / "d" / "passwd.py");
  auto set = load_package_set({}, dir_ / "site");
  ASSERT_EQ(set->files.size(), 1u);
  EXPECT_EQ(set->files[0].first, "d/__init__.py");
}

TEST_F(PackageSetTest, ANativeExtensionInADirectoryIsRefused) {
  write("site/n/_n.cpython-313-wasm32-wasi.so", "\0asm");
  auto message = refusal([&] { load_package_set({dir_ / "site"}, std::nullopt); });
  EXPECT_NE(message.find("is a native extension"), std::string::npos) << message;
}

TEST_F(PackageSetTest, TwoPackagesProvidingOnePathWithDifferentBytesAreRefused) {
  auto a = write("a.whl", make_zip({{"shared.py", "a"}}));
  auto b = write("b.whl", make_zip({{"shared.py", "b"}}));
  auto message = refusal([&] { load_package_set({a, b}, std::nullopt); });
  EXPECT_NE(message.find("both provide 'shared.py'"), std::string::npos) << message;
}

TEST_F(PackageSetTest, TwoPackagesProvidingOnePathWithEqualBytesAreMerged) {
  auto a = write("a.whl", make_zip({{"ns/__init__.py", "ns"}, {"ns/a.py", "a"}}));
  auto b = write("b.whl", make_zip({{"ns/__init__.py", "ns"}, {"ns/b.py", "b"}}));
  EXPECT_EQ(load_package_set({a, b}, std::nullopt)->files.size(), 3u);
}

TEST_F(PackageSetTest, AnUnknownKindOfFileIsRefused) {
  auto path = write("pkg.rar", "x");
  auto message = refusal([&] { load_package_set({path}, std::nullopt); });
  EXPECT_NE(message.find("is not a wheel (.whl), a .tar.gz/.tgz archive or a directory"),
            std::string::npos)
      << message;
}

TEST_F(PackageSetTest, AMissingFileIsAnInitializationError) {
  EXPECT_THROW(load_package_set({dir_ / "absent.whl"}, std::nullopt), InitializationError);
}

TEST_F(PackageSetTest, TenLoadsOfOneWheelDecodeItOnceAndHoldOneCopy) {
  auto payload = random_bytes(100'000);
  auto wheel = write("shared.whl", make_zip({{"shared_pkg/blob.bin", payload}}));
  auto before = cache_stats();
  std::vector<std::shared_ptr<const PackageSet>> sets;
  sets.push_back(load_package_set({wheel}, std::nullopt));
  auto first = cache_stats();
  for (int i = 0; i < 9; ++i) sets.push_back(load_package_set({wheel}, std::nullopt));
  auto after = cache_stats();
  EXPECT_EQ(after.archives_decoded - before.archives_decoded, 1u);
  EXPECT_EQ(after.live_file_bytes, first.live_file_bytes);
  EXPECT_GE(first.live_files, 1u);
  for (const auto& set : sets) EXPECT_EQ(set->files[0].second, sets[0]->files[0].second);
}

TEST_F(PackageSetTest, ThreadsLoadingOneWheelAtOnceShareItsBytes) {
  auto wheel = write("threads.whl", make_zip({{"threads_pkg/blob.bin", random_bytes(200'000)}}));
  std::vector<std::shared_ptr<const PackageSet>> sets(8);
  std::vector<std::thread> threads;
  for (auto& set : sets) {
    threads.emplace_back([&set, &wheel] { set = load_package_set({wheel}, std::nullopt); });
  }
  for (auto& thread : threads) thread.join();
  // Two threads may both decode it; interning still leaves one copy of the bytes.
  for (const auto& set : sets) EXPECT_EQ(set->files[0].second, sets[0]->files[0].second);
}

TEST_F(PackageSetTest, ACreateAndDropPatternDecodesARecentWheelOnce) {
  auto wheel = write("recent.whl", make_zip({{"recent/blob.bin", random_bytes(10'000)}}));
  auto before = cache_stats();
  for (int i = 0; i < 5; ++i) load_package_set({wheel}, std::nullopt).reset();
  EXPECT_EQ(cache_stats().archives_decoded - before.archives_decoded, 1u);
}

TEST_F(PackageSetTest, TheCacheLetsGoOfAPackageNoSandboxUsesOnceOthersFollow) {
  auto payload = random_bytes(500'000);
  auto wheel = write("gone.whl", make_zip({{"gone/blob.bin", payload}}));
  load_package_set({wheel}, std::nullopt).reset();
  auto held = cache_stats();
  for (int i = 0; i < 20; ++i) {
    auto other = write("other" + std::to_string(i) + ".whl",
                       make_zip({{"o/m.py", "N = " + std::to_string(i) + "\n"}}));
    load_package_set({other}, std::nullopt).reset();
  }
  // The most recent of the others stay held (a few bytes each); the big blob is gone, so loading
  // its wheel again decodes it again.
  auto after = cache_stats();
  EXPECT_GT(held.live_file_bytes, after.live_file_bytes + payload.size() / 2);
  load_package_set({wheel}, std::nullopt).reset();
  EXPECT_EQ(cache_stats().archives_decoded, after.archives_decoded + 1);
}

}  // namespace
}  // namespace eryx::packages
