// What guest code or odd host usage must not do to the host: hang it in host-side operations,
// overflow its limits, be trusted for its result bytes, deadlock a Session, or break after fork().
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "eryx/callbacks.hpp"
#include "eryx/eryx.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

eryx::SandboxOptions with_timeout(uint64_t ms) {
  eryx::SandboxOptions options;
  options.limits.execution_timeout_ms = ms;
  return options;
}

// A pickle whose loading never ends: a __reduce__ that makes unpickling call an endless loop.
constexpr const char* kLoopingPickleClass =
    "import pickle\n"
    "def forever():\n"
    "    while True: pass\n"
    "class Trap:\n"
    "    def __reduce__(self): return (forever, ())\n";

TEST(HostSideOperations, RestoreStateOfALoopingPickleTimesOut) {
  eryx::Session maker;
  maker.execute(std::string(kLoopingPickleClass) + "blob = Trap()");
  // The state blob is the pickled globals; its unpickling calls forever().
  std::string blob = maker.snapshot_state();
  eryx::Session session(with_timeout(300));
  session.execute(kLoopingPickleClass);
  auto start = Clock::now();
  EXPECT_THROW(session.restore_state(blob), eryx::TimeoutError);
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(session.execute("print('usable')").stdout_text, "usable\n");
}

TEST(HostSideOperations, SnapshotStateWithALoopingReduceTimesOut) {
  eryx::Session session(with_timeout(300));
  session.execute(
      "class Slow:\n    def __reduce__(self):\n        while True: pass\nvalue = Slow()");
  EXPECT_THROW(session.snapshot_state(), eryx::TimeoutError);
  EXPECT_EQ(session.execute("print('usable')").stdout_text, "usable\n");
}

TEST(HostSideOperations, ClearStateWithALoopingDelTimesOut) {
  eryx::Session session(with_timeout(300));
  session.execute(
      "class Stuck:\n    def __del__(self):\n        while True: pass\nvalue = Stuck()");
  EXPECT_THROW(session.clear_state(), eryx::TimeoutError);
  EXPECT_EQ(session.execute("print('usable')").stdout_text, "usable\n");
}

TEST(HostSideOperations, ClearStateCanBeCancelled) {
  eryx::Session session(with_timeout(60'000));
  session.execute(
      "class Stuck:\n    def __del__(self):\n        while True: pass\nvalue = Stuck()");
  eryx::CancellationToken token;
  std::thread([token] {
    std::this_thread::sleep_for(100ms);
    token.cancel();
  }).detach();
  EXPECT_THROW(session.clear_state(token), eryx::CancelledError);
}

TEST(HostSideOperations, FactoryImportThatLoopsHitsTheBuildTimeout) {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / ("eryx-loop-" + std::to_string(getpid()));
  fs::create_directories(dir);
  {
    std::FILE* f = std::fopen((dir / "looping.py").c_str(), "w");
    std::fputs("while True:\n    pass\n", f);
    std::fclose(f);
  }
  eryx::FactoryOptions options;
  options.site_packages = dir;
  options.imports = {"looping"};
  options.build_timeout_ms = 300;
  auto start = Clock::now();
  EXPECT_THROW(eryx::SandboxFactory{options}, eryx::TimeoutError);
  EXPECT_LT(Clock::now() - start, 5s);
  fs::remove_all(dir);
}

TEST(HostSideOperations, FactoryLoadFromADirectoryIsATypedError) {
  EXPECT_THROW(eryx::SandboxFactory::load(std::filesystem::temp_directory_path()),
               eryx::InvalidArgumentError);
}

TEST(Limits, TheLargestExecutionTimeoutDoesNotExpireAtOnce) {
  auto result =
      eryx::Sandbox(with_timeout(eryx::ResourceLimits::kMaxTimeoutMs)).execute("print('ran')");
  EXPECT_EQ(result.stdout_text, "ran\n");
}

TEST(Limits, TheLargestCallbackTimeoutDoesNotExpireAtOnce) {
  eryx::SandboxOptions options;
  options.limits.callback_timeout_ms = eryx::ResourceLimits::kMaxTimeoutMs;
  options.callbacks.add(eryx::make_callback("one", "", {}, [] { return 1; }));
  EXPECT_EQ(eryx::Sandbox(options).execute("print(await one())").stdout_text, "1\n");
}

// Absurd limits are mistakes (a unit mix-up, a sentinel): refused where given, naming the field.
TEST(Limits, AbsurdLimitsAreRefusedNamingTheField) {
  auto refused = [](auto set, const std::string& field) {
    eryx::SandboxOptions options;
    set(options.limits);
    try {
      eryx::Sandbox sandbox(options);
      ADD_FAILURE() << field << " was accepted";
    } catch (const eryx::InvalidArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
    EXPECT_THROW(eryx::Session{options}, eryx::InvalidArgumentError) << field;
  };
  refused([](auto& l) { l.execution_timeout_ms = UINT64_MAX; }, "execution_timeout_ms");
  refused([](auto& l) { l.execution_timeout_ms = 0; }, "execution_timeout_ms");
  refused([](auto& l) { l.callback_timeout_ms = uint64_t{1} << 62; }, "callback_timeout_ms");
  refused([](auto& l) { l.max_memory_bytes = (uint64_t{4} << 30) + 1; }, "max_memory_bytes");
  refused([](auto& l) { l.max_vfs_bytes = uint64_t{1} << 62; }, "max_vfs_bytes");
  refused([](auto& l) { l.max_output_bytes = uint64_t{1} << 62; }, "max_output_bytes");
  refused([](auto& l) { l.max_callback_payload_bytes = UINT64_MAX; }, "max_callback_payload_bytes");
  eryx::Session session;
  EXPECT_THROW(session.set_execution_timeout_ms(UINT64_MAX), eryx::InvalidArgumentError);
}

TEST(MemoryErrors, RaisedByTheCodeIsAnExecutionError) {
  try {
    eryx::Sandbox().execute("raise MemoryError('mine')");
    FAIL() << "no error";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "MemoryError");
  }
}

TEST(MemoryErrors, ImpossibleSizeIsAnExecutionError) {
  // Refused by CPython's own size check, before any memory is asked for.
  try {
    eryx::Sandbox().execute("[None] * 2**30");
    FAIL() << "no error";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "MemoryError");
  }
}

TEST(MemoryErrors, HittingTheLimitIsAResourceLimitError) {
  eryx::SandboxOptions options;
  options.limits.max_memory_bytes = 64ull << 20;
  EXPECT_THROW(eryx::Sandbox(options).execute("x = bytearray(100 * 2**20)"),
               eryx::ResourceLimitError);
}

TEST(MemoryErrors, DeepRecursionUnderASmallLimitIsAClearError) {
  eryx::SandboxOptions options;
  options.limits.max_memory_bytes = 48ull << 20;
  try {
    eryx::Sandbox(options).execute(
        "import sys\nsys.setrecursionlimit(10**7)\ndef f(n): return f(n + 1)\nf(0)");
    FAIL() << "no error";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_TRUE(e.type_name() == "RecursionError" || e.type_name() == "MemoryError") << e.what();
  } catch (const eryx::ResourceLimitError& e) {
    // The memory limit or the guest's call stack ran out first: both say so.
    std::string what = e.what();
    EXPECT_TRUE(what.starts_with("eryx: memory limit") ||
                what.starts_with("eryx: the guest exhausted its call stack"))
        << what;
  }
}

TEST(Results, ReplacedJsonDumpsGivesAResultErrorNotBadJson) {
  auto result =
      eryx::Sandbox().execute("import json\njson.dumps = lambda *a, **k: '{not json'\nresult = 1");
  EXPECT_FALSE(result.result_json.has_value());
  ASSERT_TRUE(result.result_error.has_value());
  EXPECT_NE(result.result_error->find("not usable JSON"), std::string::npos);
}

TEST(Results, DeeplyNestedResultIsRefused) {
  auto result = eryx::Sandbox().execute(
      "import json\njson.dumps = lambda *a, **k: '[' * 100000 + ']' * 100000\nresult = 1");
  EXPECT_FALSE(result.result_json.has_value());
  ASSERT_TRUE(result.result_error.has_value());
  EXPECT_NE(result.result_error->find("nested"), std::string::npos);
}

TEST(SessionReentrance, OutputHandlerUsingItsOwnSessionGetsAnError) {
  eryx::Session* self = nullptr;
  std::string seen;
  eryx::SandboxOptions options;
  options.on_stdout = [&](std::string_view) {
    try {
      self->execute("pass");
      seen = "no error";
    } catch (const eryx::Error& e) {
      seen = e.what();
    }
  };
  eryx::Session session(options);
  self = &session;
  session.execute("print('hello')");
  EXPECT_NE(seen.find("busy on this very thread"), std::string::npos) << seen;
  EXPECT_EQ(session.execute("print(1)").stdout_text, "1\n");
}

// In the child of fork() the library's threads (epoch ticker, callback pool) are gone: it must
// start them again, so timeouts and callbacks still work there.
TEST(Fork, ChildStillTimesOutAndRunsCallbacks) {
  eryx::SandboxOptions options;
  options.limits.execution_timeout_ms = 300;
  options.callbacks.add(eryx::make_callback("one", "", {}, [] { return 1; }));
  eryx::Sandbox sandbox(options);
  EXPECT_EQ(sandbox.execute("print(await one())").stdout_text, "1\n");  // threads now exist
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 0;
    try {
      sandbox.execute("while True: pass");
      code = 10;
    } catch (const eryx::TimeoutError&) {
    } catch (...) {
      code = 11;
    }
    try {
      if (sandbox.execute("print(await one())").stdout_text != "1\n") code = 12;
    } catch (...) {
      code = 13;
    }
    _exit(code);
  }
  int status = 0;
  auto start = Clock::now();
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (Clock::now() - start > 30s) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      FAIL() << "the child hung";
    }
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
