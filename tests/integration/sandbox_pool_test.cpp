// eryx::SandboxPool (eryx/pool.hpp) with real sandboxes: leases run the factory's state, nothing
// of one lease reaches the next, a lease's slot comes back only once its executions have really
// ended, and the pool's bounds, waits and errors. (The instance pool of the engine is another
// thing: pool_test.cpp.)
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "eryx/callbacks.hpp"
#include "eryx/eryx.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

eryx::SandboxFactory& factory() {
  static auto* built = new eryx::SandboxFactory(
      {.imports = {"json"}, .setup_code = "GREETING = 'from the factory'"});
  return *built;
}

eryx::PoolOptions pool_options(size_t max_size, size_t min_idle = 1,
                               uint64_t acquire_timeout_ms = 30'000) {
  return {.max_size = max_size, .min_idle = min_idle, .acquire_timeout_ms = acquire_timeout_ms};
}

// Waits (bounded) until `done` holds; the pool's state changes on other threads.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit = 10s) {
  auto until = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// ---- leasing ----

TEST(SandboxPool, StartsWithMinIdleSlotsReady) {
  auto pool = factory().create_pool(pool_options(4, 2));
  auto stats = pool.stats();
  EXPECT_EQ(stats.total, 2u);
  EXPECT_EQ(stats.idle, 2u);
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.available, 4u);
  EXPECT_EQ(stats.total_creations, 2u);
}

TEST(SandboxPool, LeaseRunsCodeFromTheFactorysState) {
  auto pool = factory().create_pool(pool_options(2));
  auto lease = pool.acquire();
  auto result = lease.execute("import json\nprint(GREETING, json.dumps([1]))");
  EXPECT_EQ(result.stdout_text, "from the factory [1]\n");
}

TEST(SandboxPool, LeaseErrorsAreTheSandboxErrors) {
  auto pool = factory().create_pool(pool_options(1));
  auto lease = pool.acquire();
  EXPECT_THROW(lease.execute("raise ValueError('x')"), eryx::ExecutionError);
  EXPECT_EQ(lease.execute("print(1)").stdout_text, "1\n");
}

TEST(SandboxPool, StatsCountLeasesInUseAndAcquisitions) {
  auto pool = factory().create_pool(pool_options(3, 1));
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    auto stats = pool.stats();
    EXPECT_EQ(stats.in_use, 2u);
    EXPECT_EQ(stats.available, 1u);
    EXPECT_EQ(stats.total, 2u);
    EXPECT_EQ(stats.total_creations, 2u);
  }
  auto stats = pool.stats();
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.idle, 2u);
  EXPECT_EQ(stats.total_acquisitions, 2u);
  EXPECT_EQ(stats.wait_count, 0u);
  EXPECT_EQ(stats.average_wait_time_ms(), 0.0);
}

TEST(SandboxPool, ReleaseIsIdempotentAndALeaseIsUnusableAfterIt) {
  auto pool = factory().create_pool(pool_options(1));
  auto lease = pool.acquire();
  lease.release();
  lease.release();
  EXPECT_TRUE(lease.released());
  EXPECT_THROW(lease.execute("pass"), eryx::PoolError);
  EXPECT_EQ(pool.stats().in_use, 0u);
}

TEST(SandboxPool, TryAcquireReturnsNothingWhenEverySlotIsOut) {
  auto pool = factory().create_pool(pool_options(2));
  auto a = pool.try_acquire();
  auto b = pool.try_acquire();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(pool.try_acquire().has_value());
  a->release();
  EXPECT_TRUE(pool.try_acquire().has_value());
}

TEST(SandboxPool, AcquireTimesOutWhenNoLeaseComesBack) {
  auto pool = factory().create_pool(pool_options(1, 1, 100));
  auto held = pool.acquire();
  auto started = Clock::now();
  EXPECT_THROW(pool.acquire(), eryx::PoolTimeoutError);
  EXPECT_GE(Clock::now() - started, 90ms);
  EXPECT_EQ(pool.stats().wait_count, 1u);
}

TEST(SandboxPool, AcquireWithoutATimeoutSaysThePoolIsExhausted) {
  auto pool = factory().create_pool(pool_options(1, 1, 0));
  auto held = pool.acquire();
  EXPECT_THROW(pool.acquire(), eryx::PoolExhaustedError);
  EXPECT_EQ(pool.stats().wait_count, 0u);
}

TEST(SandboxPool, AWaitingAcquireGetsTheNextReleasedLease) {
  auto pool = factory().create_pool(pool_options(1));
  auto held = pool.acquire();
  std::thread releaser([&] {
    eventually([&] { return pool.stats().wait_count == 1; });  // the acquire below is waiting
    std::this_thread::sleep_for(20ms);
    held.release();
  });
  auto lease = pool.acquire();
  releaser.join();
  EXPECT_EQ(lease.execute("print(2)").stdout_text, "2\n");
  auto stats = pool.stats();
  EXPECT_EQ(stats.wait_count, 1u);
  EXPECT_GE(stats.total_wait_time_ms, 20.0);
  EXPECT_EQ(stats.average_wait_time_ms(), stats.total_wait_time_ms);
}

TEST(SandboxPool, CancellingAWaitingAcquireStopsIt) {
  auto pool = factory().create_pool(pool_options(1));
  auto held = pool.acquire();
  eryx::CancellationToken token;
  std::thread canceller([&] {
    eventually([&] { return pool.stats().wait_count == 1; });
    token.interrupt();
  });
  EXPECT_THROW(pool.acquire({}, token), eryx::CancelledError);
  canceller.join();
}

TEST(SandboxPool, CloseWakesWaitersAndRefusesNewLeases) {
  auto pool = factory().create_pool(pool_options(1));
  auto held = pool.acquire();
  auto waiter = std::async(std::launch::async, [&] { pool.acquire(); });
  std::this_thread::sleep_for(30ms);
  pool.close();
  EXPECT_THROW(waiter.get(), eryx::PoolClosedError);
  EXPECT_TRUE(pool.is_closed());
  EXPECT_THROW(pool.acquire(), eryx::PoolClosedError);
  EXPECT_THROW(pool.try_acquire(), eryx::PoolClosedError);
}

TEST(SandboxPool, LeasesOutliveTheirClosedOrDestroyedPool) {
  std::optional<eryx::PooledSandbox> lease;
  {
    auto pool = factory().create_pool(pool_options(1));
    lease.emplace(pool.acquire());
    pool.close();
    EXPECT_EQ(lease->execute("print(3)").stdout_text, "3\n");
  }
  EXPECT_EQ(lease->execute("print(4)").stdout_text, "4\n");
  lease->release();
}

TEST(SandboxPool, AClosedPoolDropsTheSlotsThatComeBack) {
  auto pool = factory().create_pool(pool_options(2, 2));
  auto lease = pool.acquire();
  pool.close();
  EXPECT_EQ(pool.stats().idle, 0u);
  lease.release();
  EXPECT_EQ(pool.stats().total, 0u);
}

TEST(SandboxPool, EvictIdleDropsSlotsIdlePastTheTimeoutKeepingMinIdle) {
  auto pool = factory().create_pool(
      {.max_size = 4, .min_idle = 1, .acquire_timeout_ms = 1000, .idle_timeout_ms = 20});
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    auto c = pool.acquire();
  }
  EXPECT_EQ(pool.stats().idle, 3u);
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(pool.evict_idle(), 2u);
  EXPECT_EQ(pool.stats().total, 1u);
  EXPECT_EQ(pool.evict_idle(), 0u);
}

TEST(SandboxPool, BadOptionsAreRefused) {
  EXPECT_THROW(factory().create_pool({.max_size = 0}), eryx::InvalidArgumentError);
  EXPECT_THROW(factory().create_pool({.max_size = 2, .min_idle = 3}), eryx::InvalidArgumentError);
  EXPECT_THROW(factory().create_pool({.acquire_timeout_ms = uint64_t{1} << 63}),
               eryx::InvalidArgumentError);
  EXPECT_THROW(factory().create_pool({.max_size = eryx::PoolOptions::kMaxSize + 1}),
               eryx::InvalidArgumentError);
}

TEST(SandboxPool, BadLeaseLimitsAreRefusedWithoutTakingASlot) {
  auto pool = factory().create_pool(pool_options(1));
  eryx::LeaseOptions bad;
  bad.limits.execution_timeout_ms = 0;
  EXPECT_THROW(pool.acquire(bad), eryx::InvalidArgumentError);
  EXPECT_EQ(pool.stats().in_use, 0u);
  EXPECT_EQ(pool.stats().total_acquisitions, 0u);
}

// ---- nothing of one lease reaches the next (a one-slot pool: the next lease has the same slot) --

TEST(SandboxPoolHygiene, VariablesFilesAndEnvironmentDoNotReachTheNextLease) {
  auto pool = factory().create_pool(pool_options(1));
  {
    auto writer = pool.acquire();
    writer.execute(
        "import os, sys\n"
        "left_behind = 'secret'\n"
        "GREETING = 'changed'\n"
        "os.environ['LEFT'] = 'secret'\n"
        "sys.modules['json'].dumps = None\n"
        "open('/tmp/left.txt', 'w').write('secret')\n");
    // Within the lease too, each execution starts fresh.
    EXPECT_EQ(writer.execute("print('left_behind' in globals())").stdout_text, "False\n");
  }
  auto reader = pool.acquire();
  EXPECT_EQ(pool.stats().total_creations, 1u) << "the reader must reuse the writer's slot";
  auto result = reader.execute(
      "import os, json\n"
      "print('left_behind' in globals(), GREETING, 'LEFT' in os.environ,\n"
      "      os.path.exists('/tmp/left.txt'), json.dumps(1))\n");
  EXPECT_EQ(result.stdout_text, "False from the factory False False 1\n");
}

TEST(SandboxPoolHygiene, CallbacksDoNotReachTheNextLease) {
  auto pool = factory().create_pool(pool_options(1));
  {
    eryx::LeaseOptions with_callback;
    with_callback.callbacks.add(eryx::make_callback("leaked", "", {}, [] { return 42; }));
    auto first = pool.acquire(std::move(with_callback));
    EXPECT_EQ(first.execute("print(await leaked())").stdout_text, "42\n");
  }
  auto second = pool.acquire();
  EXPECT_EQ(second.execute("print('leaked' in globals())").stdout_text, "False\n");
  EXPECT_THROW(second.execute("await leaked()"), eryx::ExecutionError);
}

TEST(SandboxPoolHygiene, OutputHandlersDoNotReachTheNextLease) {
  auto pool = factory().create_pool(pool_options(1));
  std::mutex mutex;
  std::string first_saw;
  {
    eryx::LeaseOptions streaming;
    streaming.on_stdout = [&](std::string_view text) {
      std::lock_guard lock(mutex);
      first_saw += text;
    };
    pool.acquire(std::move(streaming)).execute("print('mine')");
  }
  std::string second_saw;
  eryx::LeaseOptions own;
  own.on_stdout = [&](std::string_view text) { second_saw += text; };
  pool.acquire(std::move(own)).execute("print('theirs')");
  pool.acquire().execute("print('nobody')");
  std::lock_guard lock(mutex);
  EXPECT_EQ(first_saw, "mine\n");
  EXPECT_EQ(second_saw, "theirs\n");
}

TEST(SandboxPoolHygiene, LimitsDoNotReachTheNextLease) {
  auto pool = factory().create_pool(pool_options(1));
  constexpr const char* kBusy =
      "import time\nend = time.monotonic() + 0.3\nwhile time.monotonic() < end: pass";
  constexpr const char* kBig = "block = bytearray(64 * 1024 * 1024)";
  {
    eryx::LeaseOptions tight;
    tight.limits.execution_timeout_ms = 100;
    tight.limits.max_memory_bytes = 48ull * 1024 * 1024;
    auto lease = pool.acquire(std::move(tight));
    EXPECT_THROW(lease.execute(kBusy), eryx::TimeoutError);
    EXPECT_THROW(lease.execute(kBig), eryx::ResourceLimitError);
  }
  {
    auto lease = pool.acquire();  // the defaults: 30 s, 128 MiB
    EXPECT_NO_THROW(lease.execute(kBusy));
    EXPECT_NO_THROW(lease.execute(kBig));
  }
  eryx::LeaseOptions tight_again;
  tight_again.limits.execution_timeout_ms = 100;
  EXPECT_THROW(pool.acquire(std::move(tight_again)).execute(kBusy), eryx::TimeoutError);
}

// ---- a slot comes back only once its execution has really ended ----

// Code that says it started (through the lease's on_stdout), then loops.
constexpr const char* kStartThenLoop = "print('started', flush=True)\nwhile True: pass";

eryx::LeaseOptions signalling(std::atomic<bool>& started) {
  eryx::LeaseOptions options;
  options.on_stdout = [&started](std::string_view) { started = true; };
  return options;
}

TEST(SandboxPoolSlots, ReleasingDuringAnExecutionKeepsTheSlotUntilItEnds) {
  auto pool = factory().create_pool(pool_options(1));
  std::atomic<bool> started = false;
  auto lease = pool.acquire(signalling(started));
  eryx::CancellationToken token;
  std::atomic<bool> ended = false;
  auto running = std::async(std::launch::async, [&] {
    try {
      lease.execute(kStartThenLoop, token);
    } catch (const eryx::CancelledError&) {
    }
    ended = true;
  });
  ASSERT_TRUE(eventually([&] { return started.load(); }));
  lease.release();
  EXPECT_TRUE(lease.released());
  EXPECT_FALSE(pool.try_acquire().has_value()) << "the execution still runs in that slot";
  EXPECT_EQ(pool.stats().in_use, 1u);
  token.cancel();
  running.get();
  ASSERT_TRUE(ended);
  EXPECT_EQ(pool.stats().in_use, 0u);
  EXPECT_TRUE(pool.try_acquire().has_value());
}

TEST(SandboxPoolSlots, ATimedOutExecutionReturnsItsSlotOnlyAfterItStopped) {
  auto pool = factory().create_pool(pool_options(1));
  std::atomic<bool> running_now = false;
  auto options = signalling(running_now);
  options.limits.execution_timeout_ms = 300;
  auto lease = pool.acquire(std::move(options));
  auto started = Clock::now();
  auto running = std::async(
      std::launch::async, [&] { EXPECT_THROW(lease.execute(kStartThenLoop), eryx::TimeoutError); });
  ASSERT_TRUE(eventually([&] { return running_now.load(); }));
  lease.release();
  // A waiter gets the slot, and not before the execution's deadline ended it.
  auto next = pool.acquire();
  EXPECT_GE(Clock::now() - started, 300ms);
  running.get();
  EXPECT_EQ(next.execute("print(5)").stdout_text, "5\n");
}

TEST(SandboxPoolSlots, ACallbackBlockingPastTheTimeoutCannotReachTheNextLease) {
  auto pool = factory().create_pool(pool_options(1));
  std::atomic<bool> handler_done = false;
  {
    eryx::LeaseOptions options;
    options.limits.execution_timeout_ms = 200;
    options.callbacks.add(eryx::make_callback("slow", "", {}, [&] {
      std::this_thread::sleep_for(800ms);
      handler_done = true;
      return std::string("late");
    }));
    auto lease = pool.acquire(std::move(options));
    EXPECT_THROW(lease.execute("print(await slow())"), eryx::TimeoutError);
  }
  EXPECT_FALSE(handler_done) << "the execution must end at its deadline, not with the handler";
  auto next = pool.acquire();
  EXPECT_EQ(next.execute("print('slow' in globals())").stdout_text, "False\n");
  EXPECT_TRUE(eventually([&] { return handler_done.load(); }));
  EXPECT_EQ(next.execute("print(6)").stdout_text, "6\n");
}

// ---- many threads ----

TEST(SandboxPoolThreads, ManyThreadsShareTheSlotsNeverMoreThanMaxSizeAtOnce) {
  constexpr size_t kMax = 2;
  constexpr int kThreads = 4;
  constexpr int kRounds = 8;
  auto pool = factory().create_pool(pool_options(kMax, 1));
  std::atomic<size_t> running = 0;
  std::atomic<size_t> most = 0;
  std::atomic<int> correct = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        auto lease = pool.acquire();
        size_t now = ++running;
        size_t seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        auto value = std::to_string(t * 100 + i);
        if (lease.execute("print(" + value + ")").stdout_text == value + "\n") ++correct;
        --running;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto stats = pool.stats();
  EXPECT_EQ(correct.load(), kThreads * kRounds);
  EXPECT_LE(most.load(), kMax);
  EXPECT_EQ(stats.total_acquisitions, static_cast<uint64_t>(kThreads * kRounds));
  EXPECT_LE(stats.total_creations, kMax);
  EXPECT_EQ(stats.in_use, 0u);
}

TEST(SandboxPoolThreads, OneLeaseExecutesOnSeveralThreadsAtOnce) {
  auto pool = factory().create_pool(pool_options(1));
  auto lease = pool.acquire();
  std::vector<std::future<std::string>> results;
  for (int t = 0; t < 3; ++t) {
    results.push_back(std::async(std::launch::async, [&lease, t] {
      return lease.execute("print(" + std::to_string(t) + ")").stdout_text;
    }));
  }
  for (int t = 0; t < 3; ++t) EXPECT_EQ(results[t].get(), std::to_string(t) + "\n");
}

}  // namespace
