// SandboxOptions::packages / site_packages on a plain Sandbox and a Session (the archive checks
// themselves are unit-tested in tests/unit/packages_test.cpp, and from Python in test_packages.py).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "eryx/eryx.hpp"

namespace {

namespace fs = std::filesystem;

class Packages : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("eryx-packages-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "site" / "greet");
    std::ofstream(dir_ / "site" / "greet" / "__init__.py")
        << "def hello(name):\n    return f'hello {name}'\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  static eryx::SandboxOptions with_packages(std::vector<fs::path> packages) {
    eryx::SandboxOptions options;
    options.packages = std::move(packages);
    return options;
  }
  fs::path dir_;
};

TEST_F(Packages, ASandboxImportsFromSitePackagesInEveryExecution) {
  eryx::SandboxOptions options;
  options.site_packages = dir_ / "site";
  eryx::Sandbox sandbox(options);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(sandbox.execute("import greet\nprint(greet.hello('eryx'))").stdout_text,
              "hello eryx\n");
  }
}

TEST_F(Packages, TheirPathComesFirstOnSysPathAndLeavesNoNameInMain) {
  eryx::Sandbox sandbox(with_packages({dir_ / "site"}));
  EXPECT_EQ(sandbox
                .execute("import sys as _sys\n"
                         "print(_sys.path[0], [k for k in globals() if not k.startswith('_')])")
                .stdout_text,
            "/usr/local/lib/python3.13/site-packages []\n");
}

TEST_F(Packages, ASessionImportsOnceAndKeepsThemAfterReset) {
  eryx::Session session(with_packages({dir_ / "site"}));
  session.execute("import greet");
  EXPECT_EQ(session.execute("print(greet.hello('a'))").stdout_text, "hello a\n");
  session.reset();
  EXPECT_EQ(session.execute("import greet\nprint(greet.hello('b'))").stdout_text, "hello b\n");
}

TEST_F(Packages, ABadPackageThrowsWhenTheSandboxIsCreated) {
  std::ofstream(dir_ / "bad.whl") << "not a zip";
  EXPECT_THROW(eryx::Sandbox(with_packages({dir_ / "bad.whl"})), eryx::InvalidArgumentError);
  EXPECT_THROW(eryx::Session(with_packages({dir_ / "bad.whl"})), eryx::InvalidArgumentError);
}

TEST_F(Packages, ASandboxWithoutPackagesDoesNotSeeThem) {
  eryx::Sandbox(with_packages({dir_ / "site"})).execute("import greet");
  auto result =
      eryx::Sandbox().execute("try:\n    import greet\nexcept ImportError:\n    print('absent')\n");
  EXPECT_EQ(result.stdout_text, "absent\n");
}

}  // namespace
