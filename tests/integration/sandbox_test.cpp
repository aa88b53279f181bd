// Behaviour of Sandbox::execute with real Python in a real sandbox.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "eryx/eryx.hpp"

namespace {

using eryx::Sandbox;

TEST(Sandbox, ReportsGuestPythonVersionAndPlatform) {
  auto result = Sandbox().execute("import sys; print(sys.version_info[:2], sys.platform)");
  EXPECT_EQ(result.stdout_text, "(3, 13) wasi\n");
}

TEST(Sandbox, TracebacksShowTheFilenameGiven) {
  eryx::Sandbox sandbox;
  try {
    sandbox.execute("x = 1\nraise ValueError('boom')", eryx::ExecuteOptions{.filename = "job.py"});
    FAIL() << "expected ExecutionError";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_NE(
        e.traceback().find("File \"job.py\", line 2, in <module>\n    raise ValueError('boom')"),
        std::string::npos)
        << e.traceback();
  }
}

TEST(Sandbox, TheFilenameAppliesToOneExecutionOnly) {
  eryx::Session session;
  session.execute("def f():\n    raise KeyError(1)", eryx::ExecuteOptions{.filename = "lib.py"});
  try {
    session.execute("f()");
    FAIL() << "expected ExecutionError";
  } catch (const eryx::ExecutionError& e) {
    // f keeps the name it was compiled under; the second execution is <exec> again.
    EXPECT_NE(e.traceback().find("File \"<exec>\", line 1"), std::string::npos) << e.traceback();
    EXPECT_NE(e.traceback().find("File \"lib.py\", line 2, in f"), std::string::npos)
        << e.traceback();
  }
}

TEST(Sandbox, AFilenameWithANulByteIsRefused) {
  EXPECT_THROW(
      eryx::Sandbox().execute("pass", eryx::ExecuteOptions{.filename = std::string("a\0b", 3)}),
      eryx::InvalidArgumentError);
}

TEST(Sandbox, CapturesPrintOnStdout) {
  auto result = Sandbox().execute("print('Hello!')");
  EXPECT_EQ(result.stdout_text, "Hello!\n");
  EXPECT_EQ(result.stderr_text, "");
}

TEST(Sandbox, CapturesStderrSeparately) {
  auto result = Sandbox().execute("import sys; print('out'); print('err', file=sys.stderr)");
  EXPECT_EQ(result.stdout_text, "out\n");
  EXPECT_EQ(result.stderr_text, "err\n");
}

TEST(Sandbox, CapturesOsWriteToFileDescriptorOne) {
  auto result = Sandbox().execute("import os; os.write(1, b'raw bytes\\n'); os.write(2, b'e')");
  EXPECT_EQ(result.stdout_text, "raw bytes\n");
  EXPECT_EQ(result.stderr_text, "e");
}

TEST(Sandbox, KeepsOrderOfPrintAndOsWrite) {
  auto result = Sandbox().execute("import os\nprint('a', flush=True)\nos.write(1, b'b\\n')");
  EXPECT_EQ(result.stdout_text, "a\nb\n");
}

TEST(Sandbox, EachExecuteStartsFromFreshState) {
  Sandbox sandbox;
  // colorsys: a module the built-in images do not hold (src/engine/image_modules.h).
  sandbox.execute("x = 42\nimport colorsys, json\njson.marker = 1");
  auto result = sandbox.execute(
      "try:\n    print(x)\nexcept NameError:\n    print('x is not defined')\n"
      "import sys, json\nprint('colorsys' in sys.modules, hasattr(json, 'marker'))");
  EXPECT_EQ(result.stdout_text, "x is not defined\nFalse False\n");
}

TEST(Sandbox, FileWrittenInOneExecuteIsGoneInTheNext) {
  Sandbox sandbox;
  sandbox.execute("open('/tmp/state.txt', 'w').write('kept?')");
  auto result = sandbox.execute("import os; print(os.path.exists('/tmp/state.txt'))");
  EXPECT_EQ(result.stdout_text, "False\n");
}

TEST(Sandbox, PythonExceptionBecomesExecutionErrorWithTraceback) {
  try {
    Sandbox().execute("def f():\n    raise ValueError('oops')\nf()");
    FAIL() << "expected ExecutionError";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "ValueError");
    EXPECT_EQ(e.message(), "oops");
    EXPECT_NE(e.traceback().find("Traceback (most recent call last)"), std::string::npos);
    EXPECT_NE(e.traceback().find("raise ValueError('oops')"), std::string::npos) << e.traceback();
    EXPECT_NE(std::string(e.what()).find("ValueError: oops"), std::string::npos);
  }
}

// As CPython's C traceback printer: the innermost 1000 entries, so a traceback 5000 deep shows
// three of its (identical) entries and says the other 997 repeat; the <module> entry is cut.
TEST(Sandbox, DeepTracebackKeepsTheInnermostThousandEntries) {
  try {
    Sandbox().execute(
        "import sys\nsys.setrecursionlimit(6000)\ndef f(n):\n    return 1 / 0 if n == 0 else "
        "f(n - 1)\nf(5000)");
    FAIL() << "expected ExecutionError";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "ZeroDivisionError");
    EXPECT_NE(e.traceback().find("[Previous line repeated 997 more times]"), std::string::npos)
        << e.traceback();
    EXPECT_EQ(e.traceback().find("<module>"), std::string::npos) << e.traceback();
  }
}

// sys.tracebacklimit, when the code sets it, is the traceback module's to apply.
TEST(Sandbox, TracebackHonoursSysTracebacklimit) {
  try {
    Sandbox().execute(
        "import sys\nsys.tracebacklimit = 2\ndef f(n):\n    return 1 / 0 if n == 0 else "
        "f(n - 1)\nf(50)");
    FAIL() << "expected ExecutionError";
  } catch (const eryx::ExecutionError& e) {
    const std::string& tb = e.traceback();
    EXPECT_NE(tb.find("in <module>"), std::string::npos) << tb;
    EXPECT_EQ(tb.find("Previous line repeated"), std::string::npos) << tb;
  }
}

TEST(Sandbox, ExceptionTypeNameIsQualifiedForNonBuiltins) {
  try {
    Sandbox().execute("import json; json.loads('{')");
    FAIL() << "expected ExecutionError";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "json.decoder.JSONDecodeError");
  }
}

TEST(Sandbox, SyntaxErrorBecomesExecutionError) {
  try {
    Sandbox().execute("def broken(:\n    pass");
    FAIL() << "expected ExecutionError";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "SyntaxError");
  }
}

TEST(Sandbox, OutputBeforeAnExceptionIsNotLost) {
  // The output is streamed to handlers even though the execute fails.
  std::string streamed;
  eryx::SandboxOptions options;
  options.on_stdout = [&](std::string_view s) { streamed += s; };
  EXPECT_THROW(Sandbox(options).execute("print('partial')\n1/0"), eryx::ExecutionError);
  EXPECT_EQ(streamed, "partial\n");
}

TEST(Sandbox, SystemExitZeroIsSuccess) {
  auto result = Sandbox().execute("import sys\nprint('bye')\nsys.exit(0)");
  EXPECT_EQ(result.stdout_text, "bye\n");
}

TEST(Sandbox, SystemExitNonZeroIsAnError) {
  EXPECT_THROW(Sandbox().execute("import sys; sys.exit(3)"), eryx::ExecutionError);
}

TEST(Sandbox, OsExitDoesNotKillTheHost) {
  EXPECT_THROW(Sandbox().execute("import os; os._exit(7)"), eryx::ExecutionError);
  EXPECT_EQ(Sandbox().execute("print(1)").stdout_text, "1\n");
}

TEST(Sandbox, CodeWithNulByteIsRefusedBeforeReachingTheGuest) {
  using namespace std::string_literals;
  EXPECT_THROW(Sandbox().execute("print(1)\0print(2)"s), eryx::InvalidArgumentError);
}

TEST(Sandbox, CodeThatIsNotUtf8IsRefused) {
  EXPECT_THROW(Sandbox().execute("print('\xff\xfe')"), eryx::InvalidArgumentError);
  EXPECT_THROW(Sandbox().execute("x = '\xed\xa0\x80'"), eryx::InvalidArgumentError);  // surrogate
}

TEST(Sandbox, UnicodeRoundTripsThroughOutput) {
  auto result = Sandbox().execute("print('héllo wörld ✓ 😀')");
  EXPECT_EQ(result.stdout_text, "héllo wörld ✓ 😀\n");
}

TEST(Sandbox, ReportsDurationAndPeakMemory) {
  auto result = Sandbox().execute("x = sum(range(1000))");
  EXPECT_GT(result.stats.duration.count(), 0);
  EXPECT_GT(result.stats.peak_memory_bytes, 1024u * 1024u);
  EXPECT_FALSE(result.stats.fuel_consumed.has_value());
}

TEST(Sandbox, DeepRecursionRaisesRecursionError) {
  try {
    Sandbox().execute("def f(n):\n    return f(n + 1)\nf(0)");
    FAIL() << "expected ExecutionError";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "RecursionError");
  }
}

TEST(Sandbox, DeeplyNestedDataDoesNotCrashTheHost) {
  // C-level recursion (repr of nested lists) must end in a Python error or a limit error.
  try {
    Sandbox().execute("x = []\nfor _ in range(100000):\n    x = [x]\nrepr(x)");
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "RecursionError");
  } catch (const eryx::ResourceLimitError&) {
  }
  EXPECT_EQ(Sandbox().execute("print('alive')").stdout_text, "alive\n");
}

TEST(Sandbox, ConcurrentExecutesOnOneSandboxAreIndependent) {
  Sandbox sandbox;
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      outputs[i] = sandbox.execute("x = " + std::to_string(i) + "\nprint(x * 10)").stdout_text;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(outputs[i], std::to_string(i * 10) + "\n");
}

}  // namespace

namespace {

TEST(Sandbox, TopLevelAwaitRunsTheCoroutine) {
  auto result = eryx::Sandbox().execute(
      "import asyncio\nr = await asyncio.gather(asyncio.sleep(0.01, 'a'), asyncio.sleep(0, 'b'))\n"
      "print(r)");
  EXPECT_EQ(result.stdout_text, "['a', 'b']\n");
}

TEST(Sandbox, ExceptionAfterTopLevelAwaitIsReported) {
  try {
    eryx::Sandbox().execute("import asyncio\nawait asyncio.sleep(0)\nraise KeyError('late')");
    FAIL() << "expected ExecutionError";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "KeyError");
  }
}

}  // namespace

namespace {

TEST(ResultVariable, IsCapturedAsJson) {
  auto result = eryx::Sandbox().execute("result = {'a': [1, 2.5, None, True], 'b': 'é'}");
  ASSERT_TRUE(result.result_json.has_value());
  EXPECT_EQ(*result.result_json, R"({"a": [1, 2.5, null, true], "b": "\u00e9"})");
  EXPECT_FALSE(result.result_error.has_value());
}

TEST(ResultVariable, AbsentVariableGivesNeitherJsonNorError) {
  auto result = eryx::Sandbox().execute("x = 1");
  EXPECT_FALSE(result.result_json.has_value());
  EXPECT_FALSE(result.result_error.has_value());
}

TEST(ResultVariable, UnserialisableValueGivesAnErrorButTheRunSucceeds) {
  auto result = eryx::Sandbox().execute("print('ran')\nresult = object()");
  EXPECT_EQ(result.stdout_text, "ran\n");
  EXPECT_FALSE(result.result_json.has_value());
  ASSERT_TRUE(result.result_error.has_value());
  EXPECT_NE(result.result_error->find("not JSON serializable"), std::string::npos);
}

TEST(ResultVariable, NameIsConfigurable) {
  eryx::SandboxOptions options;
  options.result_variable = "answer";
  auto result = eryx::Sandbox(options).execute("answer = 42\nresult = 'ignored'");
  EXPECT_EQ(result.result_json, "42");
}

TEST(ResultVariable, NanIsNotValidJsonAndIsReportedAsAnError) {
  auto result = eryx::Sandbox().execute("result = float('nan')");
  EXPECT_FALSE(result.result_json.has_value());
  EXPECT_TRUE(result.result_error.has_value());
}

}  // namespace

namespace {

TEST(Runtime, MissingGuestFilesRaiseInitializationError) {
  EXPECT_THROW(eryx::Runtime::create({.guest_dir = "/nonexistent/eryx-guest"}),
               eryx::InitializationError);
}

TEST(Runtime, CorruptGuestModuleRaisesInitializationError) {
  auto dir = std::filesystem::temp_directory_path() / "eryx-corrupt-guest";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "eryx-guest.wasm") << "this is not wasm";
  std::ofstream(dir / "eryx-guest.cwasm") << "nor is this a compiled module";
  std::ofstream(dir / "python313.zip") << "PK";
  EXPECT_THROW(eryx::Runtime::create({.guest_dir = dir, .require_snapshot = false}),
               eryx::InitializationError);
  std::filesystem::remove_all(dir);
}

}  // namespace
