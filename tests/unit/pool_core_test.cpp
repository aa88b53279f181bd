// pool::PoolCore, the SandboxPool's bookkeeping: slot counts, waits, close, eviction, and many
// threads taking and giving back slots at once; pool::LeaseGate, which returns a lease's slot only
// once it is released and its last execution has ended (this file runs under ThreadSanitizer with
// the unit tests).
#include "pool/pool_core.h"

#include "pool/lease_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "sanitizer_slowdown.h"

namespace {

using eryx::pool::PoolCore;
using Taken = PoolCore::Taken;
using Clock = PoolCore::Clock;
using namespace std::chrono_literals;

PoolCore::Limits limits(size_t max_size, size_t min_idle,
                        Clock::duration idle_timeout = std::chrono::minutes(5)) {
  return {.max_size = max_size, .min_idle = min_idle, .idle_timeout = idle_timeout};
}

TEST(PoolCore, StartsWithMinIdleSlotsReady) {
  PoolCore core(limits(4, 2));
  auto stats = core.stats();
  EXPECT_EQ(stats.total, 2u);
  EXPECT_EQ(stats.idle, 2u);
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.available, 4u);
  EXPECT_EQ(stats.creations, 2u);
}

TEST(PoolCore, TakesIdleSlotsBeforeCreatingNewOnes) {
  PoolCore core(limits(3, 1));
  EXPECT_EQ(core.take(std::nullopt), Taken::kIdle);
  EXPECT_EQ(core.take(std::nullopt), Taken::kCreated);
  auto stats = core.stats();
  EXPECT_EQ(stats.in_use, 2u);
  EXPECT_EQ(stats.idle, 0u);
  EXPECT_EQ(stats.creations, 2u);
  EXPECT_EQ(stats.acquisitions, 2u);
  EXPECT_EQ(stats.available, 1u);
}

TEST(PoolCore, NeverHandsOutMoreThanMaxSize) {
  PoolCore core(limits(2, 0));
  EXPECT_EQ(core.take(std::nullopt), Taken::kCreated);
  EXPECT_EQ(core.take(std::nullopt), Taken::kCreated);
  EXPECT_EQ(core.take(std::nullopt), Taken::kBusy);
  EXPECT_EQ(core.take(Clock::now() + 20ms), Taken::kBusy);
  EXPECT_EQ(core.stats().in_use, 2u);
}

TEST(PoolCore, AGivenBackSlotIsIdleAndReused) {
  PoolCore core(limits(1, 0));
  EXPECT_EQ(core.take(std::nullopt), Taken::kCreated);
  core.give_back();
  EXPECT_EQ(core.stats().idle, 1u);
  EXPECT_EQ(core.take(std::nullopt), Taken::kIdle);
  EXPECT_EQ(core.stats().creations, 1u);
}

TEST(PoolCore, AWaiterGetsTheSlotGivenBackAndTheWaitIsCounted) {
  PoolCore core(limits(1, 1));
  ASSERT_EQ(core.take(std::nullopt), Taken::kIdle);
  std::thread giver([&] {
    std::this_thread::sleep_for(30ms);
    core.give_back();
  });
  EXPECT_EQ(core.take(Clock::now() + 60s), Taken::kIdle);
  giver.join();
  auto stats = core.stats();
  EXPECT_EQ(stats.waits, 1u);
  EXPECT_GE(stats.wait_time, 20ms);
  EXPECT_EQ(stats.acquisitions, 2u);
}

TEST(PoolCore, ATakeWithoutWaitingIsNotCountedAsAWait) {
  PoolCore core(limits(1, 0));
  core.take(std::nullopt);
  EXPECT_EQ(core.take(std::nullopt), Taken::kBusy);
  EXPECT_EQ(core.stats().waits, 0u);
}

TEST(PoolCore, CloseWakesWaiters) {
  PoolCore core(limits(1, 1));
  ASSERT_EQ(core.take(std::nullopt), Taken::kIdle);
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    core.close();
  });
  auto started = Clock::now();
  EXPECT_EQ(core.take(Clock::now() + 60s), Taken::kClosed);
  EXPECT_LT(Clock::now() - started, 30s);
  closer.join();
}

TEST(PoolCore, ClosedPoolHandsOutNothingAndDropsReturnedSlots) {
  PoolCore core(limits(2, 2));
  ASSERT_EQ(core.take(std::nullopt), Taken::kIdle);
  core.close();
  EXPECT_TRUE(core.closed());
  EXPECT_EQ(core.stats().idle, 0u);
  EXPECT_EQ(core.take(std::nullopt), Taken::kClosed);
  core.give_back();
  auto stats = core.stats();
  EXPECT_EQ(stats.total, 0u);
  EXPECT_EQ(stats.in_use, 0u);
}

TEST(PoolCore, AStopRequestEndsTheWait) {
  PoolCore core(limits(1, 1));
  ASSERT_EQ(core.take(std::nullopt), Taken::kIdle);
  std::atomic<bool> stop = false;
  std::thread stopper([&] {
    std::this_thread::sleep_for(20ms);
    stop = true;
  });
  EXPECT_EQ(core.take(Clock::now() + 60s, [&] { return stop.load(); }), Taken::kStopped);
  stopper.join();
}

TEST(PoolCore, EvictsOnlySlotsIdlePastTheTimeoutKeepingMinIdle) {
  PoolCore core(limits(5, 1, 1s));
  for (int i = 0; i < 4; ++i) core.take(std::nullopt);
  for (int i = 0; i < 4; ++i) core.give_back();
  EXPECT_EQ(core.stats().idle, 4u);
  EXPECT_EQ(core.evict_idle(Clock::now()), 0u);  // none idle for a second yet
  EXPECT_EQ(core.evict_idle(Clock::now() + 2s), 3u);
  auto stats = core.stats();
  EXPECT_EQ(stats.idle, 1u);
  EXPECT_EQ(stats.total, 1u);
}

TEST(PoolCore, ReusesTheNewestIdleSlotSoOldOnesCanBeEvicted) {
  PoolCore core(limits(2, 0, 1s));
  core.take(std::nullopt);
  core.take(std::nullopt);
  core.give_back();
  auto older_idle_by = Clock::now();
  std::this_thread::sleep_for(50ms);
  core.give_back();
  core.take(std::nullopt);
  // At older + 1s + 10ms only the older slot is past the timeout: it is the one left idle.
  EXPECT_EQ(core.evict_idle(older_idle_by + 1s + 10ms), 1u);
}

TEST(PoolCore, ManyThreadsNeverExceedMaxSizeAndEveryTakeIsCounted) {
  constexpr size_t kMax = 3;
  constexpr int kThreads = 8;
  const int rounds = 200 / eryx::testing::kSanitizerSlowdown + 20;
  PoolCore core(limits(kMax, 1));
  std::atomic<size_t> holding = 0;
  std::atomic<size_t> most = 0;
  std::atomic<int> granted = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < rounds; ++i) {
        auto taken = core.take(Clock::now() + 60s);
        ASSERT_TRUE(taken == Taken::kIdle || taken == Taken::kCreated);
        size_t now_holding = ++holding;
        size_t seen = most.load();
        while (now_holding > seen && !most.compare_exchange_weak(seen, now_holding)) {
        }
        ++granted;
        core.stats();  // readers run beside takers
        --holding;
        core.give_back();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto stats = core.stats();
  EXPECT_LE(most.load(), kMax);
  EXPECT_EQ(stats.acquisitions, static_cast<uint64_t>(granted.load()));
  EXPECT_EQ(stats.acquisitions, static_cast<uint64_t>(kThreads * rounds));
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_LE(stats.creations, kMax);
  EXPECT_EQ(stats.total, stats.idle);
}

TEST(PoolCore, ClosingWhileManyThreadsWaitReleasesThemAll) {
  PoolCore core(limits(1, 1));
  ASSERT_EQ(core.take(std::nullopt), Taken::kIdle);
  std::atomic<int> closed = 0;
  std::vector<std::thread> waiters;
  for (int t = 0; t < 6; ++t) {
    waiters.emplace_back([&] {
      if (core.take(Clock::now() + 60s) == Taken::kClosed) ++closed;
    });
  }
  std::this_thread::sleep_for(20ms);
  core.close();
  for (auto& waiter : waiters) waiter.join();
  EXPECT_EQ(closed.load(), 6);
  core.give_back();
  EXPECT_EQ(core.stats().total, 0u);
}

// ---- LeaseGate ----

using eryx::pool::LeaseGate;

TEST(LeaseGate, ReleasingAnIdleLeaseIsDoneAtOnceAndOnlyOnce) {
  int done = 0;
  LeaseGate gate([&] { ++done; });
  gate.release();
  gate.release();
  EXPECT_EQ(done, 1);
  EXPECT_TRUE(gate.released());
}

TEST(LeaseGate, ReleasingWhileAnExecutionRunsWaitsForItsEnd) {
  int done = 0;
  LeaseGate gate([&] { ++done; });
  ASSERT_TRUE(gate.enter());
  ASSERT_TRUE(gate.enter());
  gate.release();
  EXPECT_EQ(done, 0);
  gate.leave();
  EXPECT_EQ(done, 0);
  gate.leave();
  EXPECT_EQ(done, 1);
}

TEST(LeaseGate, NoExecutionEntersAReleasedLease) {
  int done = 0;
  LeaseGate gate([&] { ++done; });
  gate.release();
  EXPECT_FALSE(gate.enter());
  EXPECT_EQ(done, 1);
}

TEST(LeaseGate, ExecutionsEndingWithoutAReleaseReturnNothing) {
  int done = 0;
  LeaseGate gate([&] { ++done; });
  ASSERT_TRUE(gate.enter());
  gate.leave();
  EXPECT_EQ(done, 0);
  EXPECT_FALSE(gate.released());
}

TEST(LeaseGate, ManyThreadsEnteringWhileAnotherReleasesFinishOnceWithNothingRunning) {
  const int rounds = 200 / eryx::testing::kSanitizerSlowdown + 10;
  for (int round = 0; round < rounds; ++round) {
    std::atomic<int> running = 0;
    std::atomic<int> done = 0;
    std::atomic<int> running_when_done = -1;
    LeaseGate gate([&] {
      running_when_done = running.load();
      ++done;
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 20; ++i) {
          if (!gate.enter()) return;
          ++running;
          --running;
          gate.leave();
        }
      });
    }
    std::thread releaser([&] { gate.release(); });
    for (auto& thread : threads) thread.join();
    releaser.join();
    EXPECT_EQ(done.load(), 1);
    EXPECT_EQ(running_when_done.load(), 0);
  }
}

}  // namespace
