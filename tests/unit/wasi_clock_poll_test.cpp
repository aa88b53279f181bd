// Clocks and poll_oneoff. Sleeping tests sleep tens of milliseconds and assert lower bounds only.
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "guest.h"

namespace eryx::testing {
namespace {

namespace abi = wasi::abi;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

abi::Subscription clock_sub(uint64_t userdata, uint32_t clock_id, uint64_t timeout,
                            uint16_t flags = 0) {
  abi::Subscription sub{};
  sub.userdata = userdata;
  sub.tag = abi::kEventtypeClock;
  abi::SubscriptionClock clock{};
  clock.id = clock_id;
  clock.timeout = timeout;
  clock.flags = flags;
  std::memcpy(sub.contents, &clock, sizeof(clock));
  return sub;
}

abi::Subscription fd_sub(uint64_t userdata, uint8_t type, uint32_t fd) {
  abi::Subscription sub{};
  sub.userdata = userdata;
  sub.tag = type;
  abi::SubscriptionFdReadwrite rw{fd};
  std::memcpy(sub.contents, &rw, sizeof(rw));
  return sub;
}

class WasiClockPoll : public WasiFixture {
 protected:
  // Runs poll_oneoff over `subs`; returns the errno and fills `events`.
  Errno poll(const std::vector<abi::Subscription>& subs, std::vector<abi::Event>& events) {
    uint32_t in = guest_.alloc(subs.size() * sizeof(abi::Subscription));
    std::memcpy(guest_.data() + in, subs.data(), subs.size() * sizeof(abi::Subscription));
    uint32_t out = guest_.alloc(subs.size() * sizeof(abi::Event));
    uint32_t n = guest_.alloc(4);
    Errno e = E(ctx().poll_oneoff(mem(), in, out, static_cast<uint32_t>(subs.size()), n));
    events.clear();
    for (uint32_t i = 0; i < guest_.get<uint32_t>(n); ++i) {
      events.push_back(guest_.get<abi::Event>(out + i * sizeof(abi::Event)));
    }
    return e;
  }
  uint64_t now(uint32_t clock_id) {
    uint32_t out = guest_.alloc(8);
    EXPECT_EQ(E(ctx().clock_time_get(mem(), clock_id, 0, out)), Errno::kSuccess);
    return guest_.get<uint64_t>(out);
  }
};

TEST_F(WasiClockPoll, MonotonicClockIncreases) {
  uint64_t a = now(abi::kClockMonotonic);
  std::this_thread::sleep_for(milliseconds(2));
  uint64_t b = now(abi::kClockMonotonic);
  EXPECT_GT(b, a);
  EXPECT_GE(b - a, 2'000'000u);
}

TEST_F(WasiClockPoll, RealtimeIsWallClock) {
  uint64_t t = now(abi::kClockRealtime);
  EXPECT_GT(t, 1'600'000'000ull * 1'000'000'000ull);  // after 2020
}

TEST_F(WasiClockPoll, CputimeClocksAreAvailable) {
  now(abi::kClockProcessCputime);
  now(abi::kClockThreadCputime);
}

TEST_F(WasiClockPoll, ResolutionIsReportedAndReadingsRespectIt) {
  uint32_t out = guest_.alloc(8);
  ASSERT_EQ(E(ctx().clock_res_get(mem(), abi::kClockMonotonic, out)), Errno::kSuccess);
  uint64_t res = guest_.get<uint64_t>(out);
  EXPECT_EQ(res, 1000u);
  EXPECT_EQ(now(abi::kClockMonotonic) % res, 0u);
}

TEST_F(WasiClockPoll, UnknownClockIsInval) {
  uint32_t out = guest_.alloc(8);
  EXPECT_EQ(E(ctx().clock_time_get(mem(), 4, 0, out)), Errno::kInval);
  EXPECT_EQ(E(ctx().clock_res_get(mem(), 99, out)), Errno::kInval);
}

TEST_F(WasiClockPoll, RelativeSleepWaitsAtLeastTheTimeout) {
  std::vector<abi::Event> events;
  auto start = Clock::now();
  ASSERT_EQ(poll({clock_sub(7, abi::kClockMonotonic, 20'000'000)}, events), Errno::kSuccess);
  EXPECT_GE(Clock::now() - start, milliseconds(20));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].userdata, 7u);
  EXPECT_EQ(events[0].type, abi::kEventtypeClock);
  EXPECT_EQ(events[0].error, 0);
}

TEST_F(WasiClockPoll, AbsoluteDeadlineInThePastReturnsAtOnce) {
  std::vector<abi::Event> events;
  auto start = Clock::now();
  // An hour ago on the realtime clock; treated as relative this would sleep for ages.
  uint64_t past = now(abi::kClockRealtime) - 3600ull * 1'000'000'000ull;
  ASSERT_EQ(poll({clock_sub(1, abi::kClockRealtime, past, abi::kSubclockAbstime)}, events),
            Errno::kSuccess);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  ASSERT_EQ(events.size(), 1u);
}

TEST_F(WasiClockPoll, AbsoluteMonotonicDeadlineIsHonoured) {
  std::vector<abi::Event> events;
  auto start = Clock::now();
  uint64_t deadline = now(abi::kClockMonotonic) + 20'000'000;
  ASSERT_EQ(poll({clock_sub(1, abi::kClockMonotonic, deadline, abi::kSubclockAbstime)}, events),
            Errno::kSuccess);
  EXPECT_GE(Clock::now() - start, milliseconds(19));
  EXPECT_GE(now(abi::kClockMonotonic), deadline);
}

TEST_F(WasiClockPoll, SleepsOnlyUntilTheEarliestClock) {
  std::vector<abi::Event> events;
  ASSERT_EQ(poll({clock_sub(1, abi::kClockMonotonic, 3'600'000'000'000ull),
                  clock_sub(2, abi::kClockMonotonic, 10'000'000)},
                 events),
            Errno::kSuccess);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].userdata, 2u);
}

TEST_F(WasiClockPoll, InterruptCheckEndsALongSleepWithIntr) {
  auto start = Clock::now();
  std::atomic<int> calls{0};
  ctx().set_interrupt_check([&] {
    ++calls;
    return Clock::now() - start > milliseconds(30);
  });
  std::vector<abi::Event> events;
  EXPECT_EQ(poll({clock_sub(1, abi::kClockMonotonic, 3'600'000'000'000ull)}, events), Errno::kIntr);
  EXPECT_TRUE(ctx().interrupted());
  EXPECT_GE(Clock::now() - start, milliseconds(30));
  EXPECT_GE(calls.load(), 3);  // consulted every <= 10 ms
  EXPECT_TRUE(events.empty());
}

TEST_F(WasiClockPoll, WakeCheckEndsASleepEarlyWithTheEarliestClockFired) {
  auto start = Clock::now();
  ctx().set_wake_check([&] { return Clock::now() - start > milliseconds(20); });
  std::vector<abi::Event> events;
  ASSERT_EQ(poll({clock_sub(1, abi::kClockMonotonic, 3'600'000'000'000ull),
                  clock_sub(2, abi::kClockMonotonic, 7'200'000'000'000ull)},
                 events),
            Errno::kSuccess);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(ctx().interrupted());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].userdata, 1u);
}

TEST_F(WasiClockPoll, StdioSubscriptionsAreReadyAtOnce) {
  std::vector<abi::Event> events;
  auto start = Clock::now();
  ASSERT_EQ(poll({fd_sub(10, abi::kEventtypeFdRead, 0), fd_sub(11, abi::kEventtypeFdWrite, 1),
                  clock_sub(12, abi::kClockMonotonic, 3'600'000'000'000ull)},
                 events),
            Errno::kSuccess);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].userdata, 10u);
  EXPECT_EQ(events[0].type, abi::kEventtypeFdRead);
  EXPECT_EQ(events[0].fd_readwrite.nbytes, 0u);
  EXPECT_EQ(events[1].userdata, 11u);
  EXPECT_EQ(events[1].type, abi::kEventtypeFdWrite);
}

TEST_F(WasiClockPoll, SubscriptionOnAClosedFdReportsBadf) {
  std::vector<abi::Event> events;
  ASSERT_EQ(poll({fd_sub(5, abi::kEventtypeFdRead, 42)}, events), Errno::kSuccess);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].error, static_cast<uint16_t>(Errno::kBadf));
}

TEST_F(WasiClockPoll, NoSubscriptionsIsInval) {
  uint32_t n = guest_.alloc(4);
  EXPECT_EQ(E(ctx().poll_oneoff(mem(), 64, 128, 0, n)), Errno::kInval);
}

TEST_F(WasiClockPoll, UnknownSubscriptionTagIsInval) {
  abi::Subscription sub{};
  sub.tag = 9;
  std::vector<abi::Event> events;
  EXPECT_EQ(poll({sub}, events), Errno::kInval);
}

}  // namespace
}  // namespace eryx::testing
