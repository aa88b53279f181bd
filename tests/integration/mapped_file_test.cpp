// The guest's stdlib image is served from a read-only mapping of its file.
#include "engine/mapped_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "engine/engine_variant.h"
#include "eryx/errors.hpp"

namespace {

using eryx::engine::MappedFile;

class MappedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("eryx-mapped-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(MappedFileTest, ServesTheFileBytes) {
  std::string bytes("PK\x03\x04 zip bytes\0with a nul", 26);
  auto file = MappedFile::open(write("a.zip", bytes));
  EXPECT_EQ(file->bytes(), bytes);
}

TEST_F(MappedFileTest, EmptyFileIsAnEmptyView) {
  auto file = MappedFile::open(write("empty.zip", ""));
  EXPECT_TRUE(file->bytes().empty());
}

TEST_F(MappedFileTest, MissingFileRaisesInitializationError) {
  EXPECT_THROW(MappedFile::open(dir_ / "missing.zip"), eryx::InitializationError);
}

TEST_F(MappedFileTest, DirectoryRaisesInitializationError) {
  std::filesystem::create_directories(dir_ / "python313.zip");
  EXPECT_THROW(MappedFile::open(dir_ / "python313.zip"), eryx::InitializationError);
}

TEST_F(MappedFileTest, GuestFilesMapTheStdlibZip) {
  auto files = eryx::engine::load_guest_files(ERYX_TEST_GUEST_DIR);
  ASSERT_GT(files.stdlib_zip().size(), 1u << 20);
  EXPECT_EQ(files.stdlib_zip().substr(0, 4), std::string_view("PK\x03\x04", 4));
  // A second load maps the file again: two independent views with the same bytes.
  auto again = eryx::engine::load_guest_files(ERYX_TEST_GUEST_DIR);
  EXPECT_EQ(again.stdlib_zip(), files.stdlib_zip());
}

}  // namespace
