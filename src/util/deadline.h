// Deadlines from untrusted or user-given durations, without overflow: steady_clock counts
// nanoseconds in 64 bits, so `now() + milliseconds(x)` overflows (and lands in the past) for
// x >= ~9.2e12. A duration past the clock's range means "never", i.e. the clock's largest value.
#pragma once

#include <chrono>
#include <cstdint>

namespace eryx::util {

inline std::chrono::steady_clock::time_point deadline_in(uint64_t milliseconds) {
  using Clock = std::chrono::steady_clock;
  auto now = Clock::now();
  auto room = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
  if (milliseconds >= static_cast<uint64_t>(room.count())) return Clock::time_point::max();
  return now + std::chrono::milliseconds(milliseconds);
}

}  // namespace eryx::util
