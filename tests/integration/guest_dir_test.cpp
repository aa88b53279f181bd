// Where the runtime finds the guest, and what an incomplete guest directory does: it fails, naming
// the missing file, instead of quietly taking the ~17x slower start without a snapshot.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "engine/runtime_core.h"
#include "eryx/eryx.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kGuestDir = ERYX_TEST_GUEST_DIR;

// A guest directory of symbolic links to the build's guest files, but for `left_out`.
class PartialGuestDir {
 public:
  explicit PartialGuestDir(const std::string& left_out)
      : dir_(fs::temp_directory_path() / ("eryx-partial-guest-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const auto& entry : fs::directory_iterator(kGuestDir)) {
      auto name = entry.path().filename().string();
      if (entry.is_regular_file() && name != left_out)
        fs::create_symlink(entry.path(), dir_ / name);
    }
  }
  ~PartialGuestDir() { fs::remove_all(dir_); }
  const fs::path& path() const { return dir_; }

 private:
  fs::path dir_;
};

// The message of the InitializationError that creating a runtime with `options` throws.
std::string initialization_error(const eryx::RuntimeOptions& options) {
  try {
    eryx::Runtime::create(options);
  } catch (const eryx::InitializationError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InitializationError";
  return "";
}

TEST(GuestDir, AMissingSnapshotModuleIsAnErrorNamingIt) {
  PartialGuestDir dir("eryx-snapshot.cwasm");
  EXPECT_NE(initialization_error({.guest_dir = dir.path()}).find("eryx-snapshot.cwasm is missing"),
            std::string::npos);
}

TEST(GuestDir, AMissingMeteredSnapshotIsAnErrorAtRuntimeCreation) {
  PartialGuestDir dir("eryx-snapshot-metered.cwasm");
  EXPECT_NE(initialization_error({.guest_dir = dir.path()})
                .find("eryx-snapshot-metered.cwasm is missing"),
            std::string::npos);
}

TEST(GuestDir, AMissingSnapshotIdentityIsAnErrorNamingIt) {
  PartialGuestDir dir("eryx-snapshot.id");
  EXPECT_NE(initialization_error({.guest_dir = dir.path()}).find("eryx-snapshot.id is missing"),
            std::string::npos);
}

TEST(GuestDir, AMissingStdlibIsAnErrorNamingIt) {
  std::string zip;
  for (const auto& entry : fs::directory_iterator(kGuestDir)) {
    if (entry.path().extension() == ".zip") zip = entry.path().filename().string();
  }
  PartialGuestDir dir(zip);
  EXPECT_NE(initialization_error({.guest_dir = dir.path()}).find("python3*.zip"),
            std::string::npos);
}

TEST(GuestDir, ASnapshotThisEngineCannotLoadIsAnError) {
  PartialGuestDir dir("eryx-snapshot.cwasm");
  std::ofstream(dir.path() / "eryx-snapshot.cwasm") << "not a compiled module";
  EXPECT_NE(initialization_error({.guest_dir = dir.path()}).find("cannot load the guest snapshot"),
            std::string::npos);
}

TEST(GuestDir, WithoutRequireSnapshotADirectoryWithoutSnapshotStillRuns) {
  PartialGuestDir dir("eryx-snapshot.cwasm");
  auto runtime = eryx::Runtime::create({.guest_dir = dir.path(), .require_snapshot = false});
  EXPECT_FALSE(runtime->core().variant_for({}).from_snapshot());
  EXPECT_EQ(eryx::Sandbox({}, runtime).execute("print(6 * 7)").stdout_text, "42\n");
}

TEST(GuestDir, ANonexistentDirectoryIsAnErrorNamingIt) {
  EXPECT_NE(initialization_error({.guest_dir = "/nonexistent/eryx-guest"})
                .find("/nonexistent/eryx-guest does not exist"),
            std::string::npos);
}

TEST(GuestDir, AnEmptyGuestDirMeansTheEnvironmentVariable) {
  ::setenv("ERYX_GUEST_DIR", "/nonexistent/from-environment", 1);
  auto message = initialization_error({});
  ::unsetenv("ERYX_GUEST_DIR");
  EXPECT_NE(message.find("/nonexistent/from-environment"), std::string::npos);
}

TEST(GuestDir, WithoutTheVariableTheBuildTreeUsesItsOwnGuest) {
  ::unsetenv("ERYX_GUEST_DIR");
  auto runtime = eryx::Runtime::create({});
  EXPECT_TRUE(runtime->core().variant_for({}).from_snapshot());
}

}  // namespace
