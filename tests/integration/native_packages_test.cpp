// Compiled packages: the numpy guest flavour (docs/guide/packages.md) and choosing a flavour.
// (Packages holding extension modules are refused: tests/unit/packages_test.cpp.)
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "eryx/eryx.hpp"

namespace {

namespace fs = std::filesystem;

bool numpy_flavour_built() {
  return fs::exists(fs::path(ERYX_TEST_GUEST_DIR) / "numpy" / "eryx-snapshot.id");
}

#define SKIP_WITHOUT_NUMPY()                                                               \
  if (!numpy_flavour_built())                                                              \
  GTEST_SKIP() << "the numpy guest flavour is not built (make NUMPY=1, or configure with " \
                  "-DERYX_GUEST_FLAVOUR_NUMPY=<entries of scripts/build-guest-packages.sh>)"

eryx::SandboxOptions numpy_options() {
  eryx::SandboxOptions options;
  options.guest = "numpy";
  return options;
}

constexpr const char* kSum = "import numpy as np; print(np.arange(6).reshape(2, 3).sum())";

TEST(NumpyFlavour, SandboxComputesWithNumpy) {
  SKIP_WITHOUT_NUMPY();
  EXPECT_EQ(eryx::Sandbox(numpy_options()).execute(kSum).stdout_text, "15\n");
}

TEST(NumpyFlavour, SessionKeepsArraysBetweenExecutions) {
  SKIP_WITHOUT_NUMPY();
  eryx::Session session(numpy_options());
  session.execute("import numpy as np; a = np.linspace(0, 1, 5)");
  EXPECT_EQ(session.execute("print(a.sum())").stdout_text, "2.5\n");
}

TEST(NumpyFlavour, FactoryImportingNumpyRunsTheNumpyFlavour) {
  SKIP_WITHOUT_NUMPY();
  eryx::SandboxFactory factory({.imports = {"numpy"}});
  EXPECT_EQ(factory.create_sandbox().execute(kSum).stdout_text, "15\n");
}

TEST(NumpyFlavour, NumpyIsImportedInTheSnapshotAlready) {
  SKIP_WITHOUT_NUMPY();
  auto result = eryx::Sandbox(numpy_options()).execute("import sys; print('numpy' in sys.modules)");
  EXPECT_EQ(result.stdout_text, "True\n");
}

TEST(NumpyFlavour, FactorySandboxesDrawDifferentGlobalRandomNumbers) {
  SKIP_WITHOUT_NUMPY();
  eryx::SandboxFactory factory({.imports = {"numpy.random"}});
  const char* draw = "import numpy as np; print(np.random.rand())";
  EXPECT_NE(factory.create_sandbox().execute(draw).stdout_text,
            factory.create_sandbox().execute(draw).stdout_text);
}

TEST(NumpyFlavour, LinalgFftAndRandomWork) {
  SKIP_WITHOUT_NUMPY();
  auto result = eryx::Sandbox(numpy_options())
                    .execute(
                        "import numpy as np\n"
                        "x = np.linalg.solve(np.array([[3., 1.], [1., 2.]]), np.array([9., 8.]))\n"
                        "f = np.fft.fft(np.ones(8))\n"
                        "r = np.random.default_rng(1).integers(0, 10, 3)\n"
                        "l = np.random.RandomState(1).poisson(3.0, 3)\n"
                        "print(x.round(6).tolist(), f[0].real, len(r), len(l))\n");
  EXPECT_EQ(result.stdout_text, "[2.0, 3.0] 8.0 3 3\n");
}

TEST(NumpyFlavour, ArrayPastTheMemoryLimitIsAMemoryErrorAndTheSandboxGoesOn) {
  SKIP_WITHOUT_NUMPY();
  eryx::Sandbox sandbox(numpy_options());  // 128 MiB by default
  try {
    sandbox.execute("import numpy as np; np.zeros((1 << 14, 1 << 12))");  // 512 MiB
    FAIL() << "allocated";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_NE(e.type_name().find("MemoryError"), std::string::npos) << e.type_name();
  } catch (const eryx::ResourceLimitError&) {
    // also clean: the limit ended the execution
  }
  EXPECT_EQ(sandbox.execute(kSum).stdout_text, "15\n");
}

TEST(NumpyFlavour, ArrayPastTheAddressSpaceIsAValueError) {
  SKIP_WITHOUT_NUMPY();
  try {
    eryx::Sandbox(numpy_options()).execute("import numpy as np; np.zeros((1 << 16, 1 << 16))");
    FAIL() << "allocated";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "ValueError");  // "array is too big": 32 GiB on wasm32
  }
}

TEST(NumpyFlavour, LongDotLoopTimesOut) {
  SKIP_WITHOUT_NUMPY();
  auto options = numpy_options();
  options.limits.execution_timeout_ms = 1000;
  eryx::Sandbox sandbox(options);
  EXPECT_THROW(sandbox.execute("import numpy as np\n"
                               "a = np.ones((300, 300))\n"
                               "while True:\n"
                               "    a.dot(a)\n"),
               eryx::TimeoutError);
  EXPECT_EQ(sandbox.execute(kSum).stdout_text, "15\n");
}

// pocketfft (C++) allocates its plan after numpy allocated the arrays: at 128 MiB the plan of a
// 2^21-point FFT no longer fits, so it throws std::bad_alloc, which the guest cannot unwind
// (guest/native/cxx_eh_stubs.c): the execution traps, the host reports it and goes on.
TEST(NumpyFlavour, CxxExceptionInNumpyEndsTheExecutionWithAnErrorAndTheSandboxGoesOn) {
  SKIP_WITHOUT_NUMPY();
  auto options = numpy_options();
  options.limits.max_memory_bytes = 128ull << 20;
  eryx::Sandbox sandbox(options);
  try {
    sandbox.execute("import numpy as np; np.fft.fft(np.ones(1 << 21))");
    FAIL() << "the FFT fitted";
  } catch (const eryx::ExecutionError& e) {
    FAIL() << "raised in Python instead: " << e.what();
  } catch (const eryx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("__cxa_allocate_exception"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(sandbox.execute(kSum).stdout_text, "15\n");
}

TEST(NumpyFlavour, MarkupsafeEscapesWithItsCompiledSpeedups) {
  SKIP_WITHOUT_NUMPY();
  auto result = eryx::Sandbox(numpy_options())
                    .execute(
                        "import markupsafe\n"
                        "print(markupsafe.escape('<a>'), markupsafe._escape_inner.__module__)");
  EXPECT_EQ(result.stdout_text, "&lt;a&gt; markupsafe._speedups\n");
}

TEST(NumpyFlavour, FactoryImportingMarkupsafeRunsTheFlavourHoldingIt) {
  SKIP_WITHOUT_NUMPY();
  eryx::SandboxFactory factory({.imports = {"markupsafe"}});
  EXPECT_EQ(factory.create_sandbox().execute("import numpy; print(numpy.__version__)").stdout_text,
            "2.2.6\n");
}

TEST(NumpyFlavour, PlainGuestHasNoNumpy) {
  SKIP_WITHOUT_NUMPY();
  try {
    eryx::Sandbox().execute("import numpy");
    FAIL() << "numpy imported in the plain guest";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "ModuleNotFoundError");
  }
}

TEST(NumpyFlavour, RuntimeOfTheFlavourServesSandboxesAskingForIt) {
  SKIP_WITHOUT_NUMPY();
  auto runtime = eryx::Runtime::create({.guest_dir = ERYX_TEST_GUEST_DIR, .flavour = "numpy"});
  EXPECT_EQ(runtime->flavour(), "numpy");
  EXPECT_EQ(eryx::Sandbox(numpy_options(), runtime).execute(kSum).stdout_text, "15\n");
}

TEST(GuestFlavours, SandboxAskingForAnotherFlavourThanItsRuntimeIsRefused) {
  auto options = numpy_options();
  EXPECT_THROW(eryx::Sandbox(options, eryx::Runtime::shared()), eryx::InvalidArgumentError);
}

TEST(GuestFlavours, FlavourThatWasNotBuiltIsAnInitializationErrorNamingIt) {
  try {
    eryx::Runtime::create({.guest_dir = ERYX_TEST_GUEST_DIR, .flavour = "nosuchflavour"});
    FAIL() << "created";
  } catch (const eryx::InitializationError& e) {
    EXPECT_NE(std::string(e.what()).find("'nosuchflavour' is not built"), std::string::npos)
        << e.what();
  }
}

TEST(GuestFlavours, FlavourNameWithAPathIsRefused) {
  EXPECT_THROW(eryx::Runtime::create({.guest_dir = ERYX_TEST_GUEST_DIR, .flavour = "../guest"}),
               eryx::InvalidArgumentError);
}

}  // namespace
