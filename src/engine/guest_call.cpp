#include "engine/guest_call.h"

#include "engine/guest_module.h"
#include "engine/large_stack.h"
#include "util/deadline.h"

namespace eryx::engine {

std::optional<std::chrono::steady_clock::time_point> deadline_after(
    std::optional<uint64_t> timeout_ms) {
  if (!timeout_ms) return std::nullopt;
  return util::deadline_in(*timeout_ms);
}

void run_guest_call(GuestInstance& instance, EpochTicker& ticker, const GuestCallLimits& limits,
                    const std::function<void()>& body) {
  run_with_stack(kMaxWasmStack, [&] {
    EpochTicker::Activity activity(ticker);
    StoreState& state = instance.state();
    state.deadline = limits.deadline;
    state.stop = limits.stop;
    state.stop_reason = StopReason::kNone;
    state.accept_interrupts = false;
    state.interrupts_delivered = 0;
    state.escalate_at.reset();
    struct Clear {
      StoreState& state;
      ~Clear() {
        state.deadline.reset();
        state.stop = nullptr;
        state.accept_interrupts = false;
        state.escalate_at.reset();
      }
    } clear{state};
    body();
  });
}

}  // namespace eryx::engine
