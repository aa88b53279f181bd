// Limits hold: output caps, timeouts, memory.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "eryx/eryx.hpp"

namespace {

using namespace std::chrono_literals;

// Resident set size of this process in bytes.
uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

TEST(Limits, HugePrintIsTruncatedAtTheCap) {
  eryx::SandboxOptions options;
  options.limits.max_output_bytes = 4096;
  auto result = eryx::Sandbox(options).execute("print('x' * 100000)");
  EXPECT_EQ(result.stdout_text.size(), 4096u);
  EXPECT_TRUE(result.stdout_truncated);
  EXPECT_FALSE(result.stderr_truncated);
}

TEST(Limits, OutputUnderTheCapIsNotFlaggedTruncated) {
  auto result = eryx::Sandbox().execute("print('short')");
  EXPECT_FALSE(result.stdout_truncated);
}

TEST(Limits, TwoHundredMegabytePrintDoesNotGrowHostMemory) {
  eryx::Sandbox sandbox;
  sandbox.execute("pass");  // warm the runtime so its own memory is already counted
  uint64_t before = resident_bytes();
  auto result = sandbox.execute(
      "chunk = 'y' * (1024 * 1024)\nfor _ in range(200):\n    print(chunk, end='')");
  uint64_t growth = resident_bytes() - before;
  EXPECT_TRUE(result.stdout_truncated);
  EXPECT_EQ(result.stdout_text.size(), eryx::ResourceLimits{}.max_output_bytes);
  EXPECT_LT(growth, 64u * 1024 * 1024) << "host RSS grew by " << growth << " bytes";
}

TEST(Limits, InfiniteLoopTimesOut) {
  eryx::SandboxOptions options;
  options.limits.execution_timeout_ms = 300;
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(eryx::Sandbox(options).execute("while True:\n    pass"), eryx::TimeoutError);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
}

TEST(Limits, SleepInTheHostIsInterruptedByTheTimeout) {
  eryx::SandboxOptions options;
  options.limits.execution_timeout_ms = 300;
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(eryx::Sandbox(options).execute("import time; time.sleep(30)"), eryx::TimeoutError);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 20s);  // far below the 30 s sleep: the wait was interrupted
}

TEST(Limits, ShortSleepCompletes) {
  auto result = eryx::Sandbox().execute(
      "import time\nt = time.monotonic()\ntime.sleep(0.05)\nprint(time.monotonic() - t >= 0.05)");
  EXPECT_EQ(result.stdout_text, "True\n");
}

TEST(Limits, MemoryLimitStopsRunawayAllocation) {
  eryx::SandboxOptions options;
  options.limits.max_memory_bytes = 64ull * 1024 * 1024;
  EXPECT_THROW(eryx::Sandbox(options).execute("x = bytearray(512 * 1024 * 1024)"),
               eryx::ResourceLimitError);
}

TEST(Limits, GuestCanCatchMemoryError) {
  eryx::SandboxOptions options;
  options.limits.max_memory_bytes = 64ull * 1024 * 1024;
  auto result = eryx::Sandbox(options).execute(
      "try:\n    x = bytearray(512 * 1024 * 1024)\nexcept MemoryError:\n    print('caught')");
  EXPECT_EQ(result.stdout_text, "caught\n");
}

TEST(Limits, SandboxIsUsableAfterATimeout) {
  eryx::SandboxOptions options;
  options.limits.execution_timeout_ms = 200;
  eryx::Sandbox sandbox(options);
  EXPECT_THROW(sandbox.execute("while True: pass"), eryx::TimeoutError);
  EXPECT_EQ(sandbox.execute("print('ok')").stdout_text, "ok\n");
}

}  // namespace

namespace {

TEST(Fuel, IsNotMeteredByDefault) {
  EXPECT_FALSE(eryx::Sandbox().execute("pass").stats.fuel_consumed.has_value());
}

TEST(Fuel, ConsumptionIsReportedAndDeterministic) {
  eryx::SandboxOptions options;
  options.limits.max_fuel = 10'000'000'000ull;
  eryx::Sandbox sandbox(options);
  const char* code = "total = 0\nfor i in range(10000):\n    total += i * i";
  auto first = sandbox.execute(code).stats.fuel_consumed;
  auto second = sandbox.execute(code).stats.fuel_consumed;
  ASSERT_TRUE(first.has_value());
  EXPECT_GT(*first, 10'000u);
  EXPECT_EQ(first, second);
}

TEST(Fuel, ExhaustionRaisesResourceLimitError) {
  eryx::SandboxOptions options;
  options.limits.max_fuel = 1'000'000;
  EXPECT_THROW(eryx::Sandbox(options).execute("while True: pass"), eryx::ResourceLimitError);
}

TEST(Cancellation, CancelFromAnotherThreadEndsTheExecution) {
  eryx::CancellationToken token;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    token.cancel();
  });
  EXPECT_THROW(eryx::Sandbox().execute("while True: pass", token), eryx::CancelledError);
  canceller.join();
}

TEST(Cancellation, CancelInterruptsASleep) {
  eryx::CancellationToken token;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    token.cancel();
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(eryx::Sandbox().execute("import time; time.sleep(60)", token), eryx::CancelledError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  canceller.join();
}

TEST(Cancellation, CancellingOneExecutionLeavesOthersRunning) {
  eryx::CancellationToken cancelled;
  eryx::Sandbox sandbox;
  std::string other_output;
  std::thread other([&] {
    other_output = sandbox.execute("import time\ntime.sleep(0.3)\nprint('finished')").stdout_text;
  });
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cancelled.cancel();
  });
  EXPECT_THROW(sandbox.execute("while True: pass", cancelled), eryx::CancelledError);
  canceller.join();
  other.join();
  EXPECT_EQ(other_output, "finished\n");
}

TEST(Timeouts, ConcurrentExecutionsEachTimeOutOnTheirOwnDeadline) {
  eryx::SandboxOptions options;
  options.limits.execution_timeout_ms = 1000;
  eryx::Sandbox sandbox(options);
  std::vector<std::thread> threads;
  std::vector<std::chrono::steady_clock::duration> elapsed(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto start = std::chrono::steady_clock::now();
      EXPECT_THROW(sandbox.execute("while True: pass"), eryx::TimeoutError);
      elapsed[i] = std::chrono::steady_clock::now() - start;
    });
  }
  for (auto& t : threads) t.join();
  for (auto e : elapsed) EXPECT_GE(e, std::chrono::milliseconds(1000));  // never early
}

}  // namespace

namespace {

TEST(VfsQuota, WritingPastMaxVfsBytesFailsWithNoSpace) {
  eryx::SandboxOptions options;
  options.limits.max_vfs_bytes = 64 * 1024;
  auto result = eryx::Sandbox(options).execute(
      "import errno\ntry:\n    open('/tmp/big', 'wb').write(b'x' * 200000)\n"
      "except OSError as e:\n    print(e.errno == errno.ENOSPC)");
  EXPECT_EQ(result.stdout_text, "True\n");
}

}  // namespace
