// util::deadline_in: user-given or guest-given durations never overflow into the past.
#include "util/deadline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace {

using Clock = std::chrono::steady_clock;
using eryx::util::deadline_in;

TEST(Deadline, OrdinaryDurationIsNowPlusIt) {
  auto before = Clock::now();
  auto deadline = deadline_in(1000);
  EXPECT_GE(deadline - before, std::chrono::milliseconds(1000));
  EXPECT_LT(deadline - before, std::chrono::milliseconds(2000));
}

TEST(Deadline, DurationPastTheClocksRangeSaturates) {
  EXPECT_EQ(deadline_in(UINT64_MAX), Clock::time_point::max());
  EXPECT_EQ(deadline_in(uint64_t{1} << 63), Clock::time_point::max());
  EXPECT_EQ(deadline_in(9'300'000'000'000ull), Clock::time_point::max());
}

TEST(Deadline, LargeDurationIsStillInTheFuture) {
  EXPECT_GT(deadline_in(uint64_t{1} << 40), Clock::now());
}

}  // namespace
