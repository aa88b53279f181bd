// Host volumes in real sandboxes: the C++ API (eryx::Volume), read-only refusals, the quota,
// single-file volumes, sessions, and bad paths refused when the sandbox is made.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "eryx/eryx.hpp"

namespace {

namespace fs = std::filesystem;

class VolumesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/eryx-volumes-it-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    std::ofstream(dir_ / "in.txt") << "from the host";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string run(std::vector<eryx::Volume> volumes, const std::string& code) {
    eryx::SandboxOptions options;
    options.volumes = std::move(volumes);
    return eryx::Sandbox(std::move(options)).execute(code).stdout_text;
  }
  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
};

constexpr const char* kAttempt =
    "import errno, os\n"
    "def attempt(fn, *a):\n"
    "    try:\n"
    "        fn(*a)\n"
    "        return 'ok'\n"
    "    except OSError as e:\n"
    "        return errno.errorcode[e.errno]\n";

TEST_F(VolumesTest, ReadsAHostFile) {
  EXPECT_EQ(run({{dir_, "/data"}}, "print(open('/data/in.txt').read())"), "from the host\n");
}

TEST_F(VolumesTest, ReadOnlyIsTheDefaultAndRefusesWithErofs) {
  EXPECT_EQ(
      run({{dir_, "/data"}}, std::string(kAttempt) + "print(attempt(open, '/data/in.txt', 'w'), "
                                                     "attempt(os.remove, '/data/in.txt'))"),
      "EROFS EROFS\n");
  EXPECT_EQ(read(dir_ / "in.txt"), "from the host");
}

TEST_F(VolumesTest, WritableVolumeWritesToTheHost) {
  run({{dir_, "/data", false}}, "open('/data/out.txt', 'w').write('written')");
  EXPECT_EQ(read(dir_ / "out.txt"), "written");
}

TEST_F(VolumesTest, QuotaRefusesGrowthPastMaxBytes) {
  EXPECT_EQ(run({{dir_, "/data", false, 100}}, std::string(kAttempt) +
                                                   "f = open('/data/big', 'wb', buffering=0)\n"
                                                   "print(attempt(f.write, b'x' * 101))"),
            "ENOSPC\n");
  EXPECT_EQ(fs::file_size(dir_ / "big"), 0u);
}

TEST_F(VolumesTest, SingleFileVolumeHidesItsSiblings) {
  std::ofstream(dir_ / "secret.txt") << "hidden";
  EXPECT_EQ(run({{dir_ / "in.txt", "/mnt/input.txt"}},
                "import os\nprint(open('/mnt/input.txt').read(), "
                "os.path.exists('/mnt/secret.txt'))"),
            "from the host False\n");
}

TEST_F(VolumesTest, SessionKeepsAVolumeFileOpenBetweenExecutions) {
  eryx::SandboxOptions options;
  options.volumes = {{dir_, "/data", false}};
  eryx::Session session(std::move(options));
  session.execute("f = open('/data/log', 'w')\nf.write('a')");
  session.execute("f.write('b')\nf.close()");
  EXPECT_EQ(read(dir_ / "log"), "ab");
}

TEST_F(VolumesTest, BadPathsAreInvalidArgumentsWhenTheSandboxIsMade) {
  for (eryx::Volume bad : {eryx::Volume{dir_ / "missing", "/data"}, eryx::Volume{dir_, "data"},
                           eryx::Volume{dir_, "/"}, eryx::Volume{dir_, "/data/../x"},
                           eryx::Volume{dir_, "/tmp/x"}, eryx::Volume{"/dev/null", "/data"}}) {
    eryx::SandboxOptions options;
    options.volumes = {bad};
    EXPECT_THROW(eryx::Sandbox{std::move(options)}, eryx::InvalidArgumentError)
        << bad.host_path << " " << bad.guest_path;
  }
  eryx::SandboxOptions twice;
  twice.volumes = {{dir_, "/data"}, {dir_, "/data"}};
  EXPECT_THROW(eryx::Sandbox{std::move(twice)}, eryx::InvalidArgumentError);
}

}  // namespace
