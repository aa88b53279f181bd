// The built-in snapshot images (src/engine/image_modules.h): the common stdlib is imported at build
// time, and a fresh Sandbox execution gets the plain image or the asyncio one. Modules in an image
// behave as if imported by the sandbox itself, and which image an execution got makes no difference
// a program can see beyond sys.modules.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/image_modules.h"
#include "eryx/callbacks.hpp"
#include "eryx/eryx.hpp"

namespace {

using eryx::Sandbox;
using eryx::SandboxOptions;
using eryx::Session;
using eryx::engine::BuiltinImage;
using eryx::engine::image_for_code;

// Appended to code to steer it into the asyncio image (image_for_code reads comments too).
constexpr std::string_view kAsyncioImage = "\n# async\n";

std::string run(std::string_view code) { return Sandbox().execute(code).stdout_text; }

std::string in_asyncio_image(std::string_view code) {
  return run(std::string(code) + std::string(kAsyncioImage));
}

TEST(ImageChoice, CodeWithoutAsyncGetsThePlainImage) {
  EXPECT_EQ(image_for_code("import json\nprint(1)", false), BuiltinImage::kPlain);
}

TEST(ImageChoice, TopLevelAwaitGetsTheAsyncioImage) {
  EXPECT_EQ(image_for_code("await f()", false), BuiltinImage::kAsyncio);
}

TEST(ImageChoice, AsyncioRunGetsTheAsyncioImage) {
  EXPECT_EQ(image_for_code("import asyncio\nasyncio.run(main())", false), BuiltinImage::kAsyncio);
}

TEST(ImageChoice, RegisteredCallbacksGetTheAsyncioImage) {
  EXPECT_EQ(image_for_code("pass", true), BuiltinImage::kAsyncio);
}

TEST(BuiltinImages, PlainImageHoldsTheCommonStdlib) {
  EXPECT_EQ(run("import sys\n"
                "print(all(m in sys.modules for m in ('dataclasses', 'typing', 'datetime',"
                " 'decimal', 'statistics', 'urllib.parse', 'pathlib', 'uuid')))"),
            "True\n");
}

// The module's name spelled so that the code does not mention it (which picks the asyncio image).
constexpr const char* kAsyncioLoaded = "import sys\nprint('asyn' + 'cio' in sys.modules)";

TEST(BuiltinImages, PlainImageLeavesAsyncioUnimported) {
  EXPECT_EQ(run(kAsyncioLoaded), "False\n");
}

TEST(BuiltinImages, AsyncioImageHoldsAsyncio) {
  EXPECT_EQ(in_asyncio_image(kAsyncioLoaded), "True\n");
}

TEST(BuiltinImages, MainNamespaceIsTheSameInBothImages) {
  const char* code = "print(sorted(globals()))";
  EXPECT_EQ(run(code), in_asyncio_image(code));
}

TEST(BuiltinImages, WarningFiltersAreTheSameInBothImages) {
  const char* code = "import warnings\nprint(warnings.filters)";
  EXPECT_EQ(run(code), in_asyncio_image(code));
}

TEST(BuiltinImages, CoroutinesRunWhenTheGuessWasWrong) {
  // The code reaches asyncio without naming it, so it runs in the plain image, which imports
  // asyncio on first use (with the guest's event-loop patches).
  EXPECT_EQ(run("import sys\n"
                "name = 'asyn' + 'cio'\n"
                "print(name in sys.modules)\n"
                "m = __import__(name)\n"
                "ns = {}\n"
                "exec('asy' + 'nc def f():\\n    aw' + 'ait m.sleep(0.01)\\n    return 7', {'m': "
                "m}, ns)\n"
                "print(m.run(ns['f']()))"),
            "False\n7\n");
}

TEST(BuiltinImages, RandomDiffersBetweenFreshSandboxesOfThePlainImage) {
  const char* draw = "import random\nprint(random.getrandbits(64))";
  EXPECT_NE(run(draw), run(draw));
}

TEST(BuiltinImages, RandomDiffersBetweenFreshSandboxesOfTheAsyncioImage) {
  const char* draw = "import random\nprint(random.getrandbits(64))";
  EXPECT_NE(in_asyncio_image(draw), in_asyncio_image(draw));
}

TEST(BuiltinImages, RandomDiffersBetweenFreshSessions) {
  const char* draw = "import random\nprint(random.getrandbits(64))";
  EXPECT_NE(Session().execute(draw).stdout_text, Session().execute(draw).stdout_text);
}

TEST(BuiltinImages, StatisticsSamplesDifferBetweenFreshSandboxes) {
  // statistics draws from the random module's shared generator.
  const char* draw = "import statistics\nprint(statistics.NormalDist().samples(3))";
  EXPECT_NE(run(draw), run(draw));
}

TEST(BuiltinImages, SeededRandomIsReproducible) {
  const char* draw = "import random\nrandom.seed(7)\nprint(random.random())";
  EXPECT_EQ(run(draw), run(draw));
}

TEST(BuiltinImages, Uuid4DiffersBetweenFreshSandboxes) {
  const char* draw = "import uuid\nprint(uuid.uuid4())";
  EXPECT_NE(run(draw), run(draw));
}

TEST(BuiltinImages, TempfileNamesDifferBetweenFreshSandboxes) {
  const char* draw = "import tempfile\nprint(tempfile.mktemp())";
  EXPECT_NE(run(draw), run(draw));
}

TEST(BuiltinImages, DatetimeNowIsCurrent) {
  auto host = std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  auto guest = std::stoll(run("import datetime\nprint(int(datetime.datetime.now().timestamp()))"));
  EXPECT_LE(std::abs(guest - host), 60);
}

TEST(BuiltinImages, LoggingTimesCountFromTheSandboxStartInBothImages) {
  // relativeCreated: milliseconds since logging was imported, which for code is now.
  const char* code =
      "import logging\n"
      "print(logging.LogRecord('n', 20, 'p', 1, 'm', None, None).relativeCreated < 60000)";
  EXPECT_EQ(run(code), "True\n");
  EXPECT_EQ(in_asyncio_image(code), "True\n");
}

TEST(BuiltinImages, MemoryLimitBelowTheBaselineIsRefusedInBothImages) {
  SandboxOptions options;
  options.limits.max_memory_bytes = 1 << 20;
  Sandbox sandbox(options);
  EXPECT_THROW(sandbox.execute("pass"), eryx::ResourceLimitError);
  EXPECT_THROW(sandbox.execute(std::string("pass") + std::string(kAsyncioImage)),
               eryx::ResourceLimitError);
}

}  // namespace
