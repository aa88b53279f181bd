// SandboxFactory: pre-initialised state, sandboxes from it, save and load.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "eryx/eryx.hpp"

namespace {

namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / ("eryx-factory-" + std::to_string(::getpid()) + "-" + name);
}

TEST(SandboxFactory, ImportsArePreloadedWithoutLeakingNames) {
  eryx::SandboxFactory factory({.imports = {"json", "colorsys", "email.parser"}});
  auto result = factory.create_sandbox().execute(
      "import sys\nprint('colorsys' in sys.modules, 'email.parser' in sys.modules, "
      "'json' in globals())");
  EXPECT_EQ(result.stdout_text, "True True False\n");
  EXPECT_GT(factory.size_bytes(), 0u);
}

TEST(SandboxFactory, EachExecuteStartsFromTheFactoryState) {
  eryx::SandboxFactory factory({.imports = {"json"}});
  auto sandbox = factory.create_sandbox();
  sandbox.execute("import json\njson.marker = 1\nx = 1");
  EXPECT_EQ(
      sandbox.execute("import json\nprint(hasattr(json, 'marker'), 'x' in globals())").stdout_text,
      "False False\n");
}

TEST(SandboxFactory, SandboxesAreAsIsolatedAsAnyOther) {
  eryx::SandboxFactory factory({.imports = {"os"}});
  auto out = factory.create_sandbox().execute(
      "try:\n    open('/etc/passwd')\nexcept FileNotFoundError:\n    print('absent')");
  EXPECT_EQ(out.stdout_text, "absent\n");
}

TEST(SandboxFactory, FailingImportRaisesInitializationErrorWithTheTraceback) {
  try {
    eryx::SandboxFactory factory({.imports = {"no_such_module_here"}});
    FAIL() << "expected InitializationError";
  } catch (const eryx::InitializationError& e) {
    EXPECT_NE(std::string(e.what()).find("ModuleNotFoundError"), std::string::npos) << e.what();
  }
}

TEST(SandboxFactory, SetupCodeObjectsAreInEverySandboxsGlobals) {
  eryx::SandboxFactory factory(
      {.imports = {"json"}, .setup_code = "import json\ntable = {'k': json.dumps([1])}\n"});
  auto sandbox = factory.create_sandbox();
  EXPECT_EQ(sandbox.execute("table['k'] += '!'\nprint(table['k'])").stdout_text, "[1]!\n");
  // Each execution starts from the factory's state: its own copy, unchanged by the last one.
  EXPECT_EQ(sandbox.execute("print(table['k'])").stdout_text, "[1]\n");
}

TEST(SandboxFactory, FailingSetupCodeRaisesInitializationErrorWithItsTraceback) {
  try {
    eryx::SandboxFactory factory({.setup_code = "x = 1\nraise ValueError('bad setup')"});
    FAIL() << "expected InitializationError";
  } catch (const eryx::InitializationError& e) {
    std::string text = e.what();
    EXPECT_NE(text.find("setup_code failed"), std::string::npos) << text;
    EXPECT_NE(text.find("line 2"), std::string::npos) << text;
    EXPECT_NE(text.find("ValueError: bad setup"), std::string::npos) << text;
  }
}

TEST(SandboxFactory, SetupCodeThatNeverEndsHitsTheBuildTimeout) {
  EXPECT_THROW(eryx::SandboxFactory({.setup_code = "while True: pass", .build_timeout_ms = 200}),
               eryx::TimeoutError);
}

TEST(SandboxFactory, SetupCodeIsValidatedLikeAnyCode) {
  EXPECT_THROW(eryx::SandboxFactory({.setup_code = std::string("x = 1\0", 6)}),
               eryx::InvalidArgumentError);
}

TEST(SandboxFactory, SessionsStartFromTheFactoryStateAndKeepTheirOwn) {
  eryx::SandboxFactory factory({.imports = {"colorsys"}});
  auto session = factory.create_session();
  EXPECT_EQ(session.execute("import sys\nprint('colorsys' in sys.modules)").stdout_text, "True\n");
  session.execute("x = 41");
  EXPECT_EQ(session.execute("print(x + 1)").stdout_text, "42\n");
  EXPECT_EQ(factory.create_session().execute("print('x' in globals())").stdout_text, "False\n");
}

TEST(SandboxFactory, SessionResetReturnsToTheFactoryState) {
  eryx::SandboxFactory factory({.imports = {"colorsys"}});
  auto session = factory.create_session();
  session.execute("x = 1");
  session.reset();
  EXPECT_EQ(
      session.execute("import sys\nprint('colorsys' in sys.modules, 'x' in globals())").stdout_text,
      "True False\n");
}

TEST(SandboxFactory, SessionsOfOneFactoryDoNotRepeatEachOthersRandomNumbers) {
  eryx::SandboxFactory factory({.imports = {"random"}});
  const char* draw = "import random\nprint(random.getrandbits(64))";
  EXPECT_NE(factory.create_session().execute(draw).stdout_text,
            factory.create_session().execute(draw).stdout_text);
}

TEST(SandboxFactory, ImportNamesAreValidated) {
  EXPECT_THROW(eryx::SandboxFactory({.imports = {"os; import sys"}}), eryx::InvalidArgumentError);
  EXPECT_THROW(eryx::SandboxFactory({.packages = {"/tmp/not-a-package.rar"}}),
               eryx::InvalidArgumentError);
}

TEST(SandboxFactory, SitePackagesDirectoryIsImportable) {
  auto dir = temp_path("site");
  fs::create_directories(dir / "greet");
  std::ofstream(dir / "greet" / "__init__.py") << "def hello(name):\n    return f'hello {name}'\n";
  eryx::SandboxFactory factory({.imports = {"greet"}, .site_packages = dir});
  EXPECT_EQ(
      factory.create_sandbox().execute("import greet\nprint(greet.hello('eryx'))").stdout_text,
      "hello eryx\n");
  fs::remove_all(dir);
}

TEST(SandboxFactory, FilesTheImportsWroteToTmpReachItsSandboxes) {
  // As certifi does for requests: an import extracts a file to /tmp and keeps its path.
  auto dir = temp_path("tmpwriter");
  fs::create_directories(dir / "extracts");
  std::ofstream(dir / "extracts" / "__init__.py") << "import os, tempfile\n"
                                                     "fd, PATH = tempfile.mkstemp(suffix='.pem')\n"
                                                     "os.write(fd, b'bundle')\n"
                                                     "os.close(fd)\n";
  eryx::SandboxFactory factory({.imports = {"extracts"}, .site_packages = dir});
  auto sandbox = factory.create_sandbox();
  EXPECT_EQ(sandbox.execute("import extracts\nprint(open(extracts.PATH, 'rb').read())").stdout_text,
            "b'bundle'\n");
  // /tmp itself stays writable; the file is shared by every sandbox, so it is read-only.
  EXPECT_EQ(sandbox
                .execute("import extracts\n"
                         "open('/tmp/mine', 'w').write('x')\n"
                         "try:\n"
                         "    open(extracts.PATH, 'wb')\n"
                         "except OSError as e:\n"
                         "    print('read-only')\n")
                .stdout_text,
            "read-only\n");
  fs::remove_all(dir);
}

TEST(SandboxFactory, SaveAndLoadRoundTrip) {
  auto path = temp_path("roundtrip.bin");
  eryx::SandboxFactory({.imports = {"graphlib"}}).save(path);
  auto loaded = eryx::SandboxFactory::load(path);
  EXPECT_EQ(
      loaded.create_sandbox().execute("import sys\nprint('graphlib' in sys.modules)").stdout_text,
      "True\n");
  fs::remove(path);
}

TEST(SandboxFactory, CorruptTruncatedAndForeignDataRaiseCleanErrors) {
  auto bytes = eryx::SandboxFactory({.imports = {"json"}}).to_bytes();
  auto corrupt = bytes;
  corrupt[corrupt.size() / 2] ^= 0x5a;
  EXPECT_THROW(eryx::SandboxFactory::from_bytes(corrupt), eryx::Error);
  EXPECT_THROW(eryx::SandboxFactory::from_bytes(bytes.substr(0, bytes.size() / 3)), eryx::Error);
  EXPECT_THROW(eryx::SandboxFactory::from_bytes("PK\x03\x04 definitely not a factory"),
               eryx::Error);
  EXPECT_THROW(eryx::SandboxFactory::from_bytes(""), eryx::Error);
  EXPECT_THROW(eryx::SandboxFactory::load(temp_path("missing.bin")), eryx::Error);
}

TEST(SandboxFactory, ConcurrentCreationFromOneFactory) {
  eryx::SandboxFactory factory({.imports = {"json"}});
  std::vector<std::string> outputs(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      outputs[i] = factory.create_sandbox()
                       .execute("import json\nprint(json.dumps(" + std::to_string(i) + "))")
                       .stdout_text;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(outputs[i], std::to_string(i) + "\n");
}

}  // namespace

namespace {

TEST(SandboxFactory, SandboxesDoNotShareRandomState) {
  eryx::SandboxFactory factory({.imports = {"random"}});
  auto a = factory.create_sandbox().execute("import random\nprint(random.random())").stdout_text;
  auto b = factory.create_sandbox().execute("import random\nprint(random.random())").stdout_text;
  EXPECT_NE(a, b);
}

}  // namespace
