#include "net/fd_wait.h"

#include <cerrno>

#include "util/deadline.h"

namespace eryx::net {
namespace {

using Clock = std::chrono::steady_clock;
// Longest single poll(2): how late a stop, an interrupt or a callback is noticed.
constexpr auto kSlice = std::chrono::milliseconds(10);

}  // namespace

Clock::time_point operation_deadline(int64_t timeout_ms, uint64_t host_limit_ms) {
  if (timeout_ms == 0) return Clock::now();
  uint64_t limit = host_limit_ms;
  if (timeout_ms > 0 && static_cast<uint64_t>(timeout_ms) < limit) limit = timeout_ms;
  return util::deadline_in(limit);
}

Waited wait_fds(std::span<pollfd> fds, Clock::time_point until, const WaitControl& wait,
                bool wake_on_callbacks) {
  for (;;) {
    for (auto& fd : fds) fd.revents = 0;
    auto now = Clock::now();
    auto left = until > now ? until - now : Clock::duration::zero();
    auto slice = std::min<Clock::duration>(left, kSlice);
    int ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(slice).count());
    int ready = ::poll(fds.data(), fds.size(), ms);
    if (ready > 0) return Waited::kReady;
    if (ready < 0 && errno != EINTR) return Waited::kReady;  // revents unset: callers retry the op
    if (wait.should_stop && wait.should_stop()) return Waited::kStopped;
    if (wait.interrupted && wait.interrupted()) return Waited::kInterrupted;
    if (wake_on_callbacks && wait.callback_ready && wait.callback_ready()) {
      return Waited::kCallback;
    }
    if (Clock::now() >= until) return Waited::kTimedOut;
  }
}

}  // namespace eryx::net
