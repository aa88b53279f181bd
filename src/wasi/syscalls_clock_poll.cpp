// Clocks and poll_oneoff, the only syscall that waits.
#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>
#include <vector>

#include "wasi/abi.h"
#include "wasi/context.h"
#include "wasi/syscall_support.h"

namespace eryx::wasi {
namespace {

using detail::guarded;
using SteadyClock = std::chrono::steady_clock;

// Longest uninterrupted host sleep: the interrupt check runs at least this often.
constexpr std::chrono::milliseconds kSleepSlice{10};

uint64_t to_ns(std::chrono::nanoseconds d) {
  return d.count() < 0 ? 0 : static_cast<uint64_t>(d.count());
}

SteadyClock::time_point add_saturating(SteadyClock::time_point t, uint64_t ns) {
  auto room = to_ns(SteadyClock::time_point::max() - t);
  if (ns >= room) return SteadyClock::time_point::max();
  return t + std::chrono::nanoseconds(ns);
}

}  // namespace

std::optional<uint64_t> WasiContext::clock_now(uint32_t clock_id) const {
  uint64_t ns = 0;
  switch (clock_id) {
    case abi::kClockRealtime:
      ns = to_ns(std::chrono::system_clock::now().time_since_epoch());
      break;
    case abi::kClockMonotonic:
      ns = to_ns(SteadyClock::now().time_since_epoch());
      break;
    case abi::kClockProcessCputime:
    case abi::kClockThreadCputime:
      // The host's CPU clocks would reveal other work on the host thread; time since this
      // context started is an honest upper bound of the guest's CPU time.
      ns = to_ns(SteadyClock::now() - start_);
      break;
    default:
      return std::nullopt;
  }
  return ns - ns % options_.clock_resolution_ns;
}

uint32_t WasiContext::clock_res_get(GuestMemory& mem, uint32_t clock_id, uint32_t resolution_ptr) {
  return guarded([&] {
    if (!clock_now(clock_id)) return Errno::kInval;
    if (!mem.write<uint64_t>(resolution_ptr, options_.clock_resolution_ns)) return Errno::kFault;
    return Errno::kSuccess;
  });
}

uint32_t WasiContext::clock_time_get(GuestMemory& mem, uint32_t clock_id, uint64_t /*precision*/,
                                     uint32_t time_ptr) {
  return guarded([&] {
    auto now = clock_now(clock_id);
    if (!now) return Errno::kInval;
    if (!mem.write<uint64_t>(time_ptr, *now)) return Errno::kFault;
    return Errno::kSuccess;
  });
}

WasiContext::SleepEnd WasiContext::sleep_until(SteadyClock::time_point deadline) {
  while (true) {
    auto now = SteadyClock::now();
    if (now >= deadline) return SleepEnd::kDeadline;
    if (interrupt_check_ && interrupt_check_()) return SleepEnd::kInterrupted;
    if (wake_check_ && wake_check_()) return SleepEnd::kWoken;
    auto left = deadline - now;
    std::this_thread::sleep_for(left < kSleepSlice ? left : SteadyClock::duration(kSleepSlice));
  }
}

uint32_t WasiContext::poll_oneoff(GuestMemory& mem, uint32_t in, uint32_t out,
                                  uint32_t nsubscriptions, uint32_t nevents_ptr) {
  return guarded([&] {
    if (nsubscriptions == 0 || nsubscriptions > kMaxPollSubscriptions) return Errno::kInval;
    if (!mem.array(in, nsubscriptions, sizeof(abi::Subscription)) ||
        !mem.array(out, nsubscriptions, sizeof(abi::Event)) || !mem.contains(nevents_ptr, 4)) {
      return Errno::kFault;
    }
    // Read every subscription before writing any event: the arrays may overlap.
    std::vector<abi::Subscription> subs(nsubscriptions);
    for (uint32_t i = 0; i < nsubscriptions; ++i) {
      subs[i] = *mem.read<abi::Subscription>(static_cast<uint64_t>(in) + i * sizeof(subs[i]));
    }

    auto start = SteadyClock::now();
    std::vector<abi::Event> events;
    // Per subscription: the monotonic deadline of a clock subscription, if it is one.
    std::vector<std::optional<SteadyClock::time_point>> deadlines(nsubscriptions);
    std::optional<SteadyClock::time_point> earliest;
    for (uint32_t i = 0; i < nsubscriptions; ++i) {
      const abi::Subscription& sub = subs[i];
      abi::Event event{};
      event.userdata = sub.userdata;
      event.type = sub.tag;
      switch (sub.tag) {
        case abi::kEventtypeClock: {
          abi::SubscriptionClock clock = sub.clock();
          auto clock_value = clock_now(clock.id);
          if (!clock_value || (clock.flags & ~abi::kSubclockAbstime) != 0) {
            event.error = static_cast<uint16_t>(Errno::kInval);
            events.push_back(event);
            break;
          }
          // ABSTIME: an absolute deadline on that clock (a deadline already past fires now).
          uint64_t wait = clock.timeout;
          if (clock.flags & abi::kSubclockAbstime) {
            wait = clock.timeout > *clock_value ? clock.timeout - *clock_value : 0;
          }
          deadlines[i] = add_saturating(start, wait);
          earliest = earliest ? std::min(*earliest, *deadlines[i]) : *deadlines[i];
          break;
        }
        case abi::kEventtypeFdRead:
        case abi::kEventtypeFdWrite: {
          const FdEntry* entry = fds_.get(sub.fd_readwrite().file_descriptor);
          if (!entry) {
            event.error = static_cast<uint16_t>(Errno::kBadf);
          } else if (sub.tag == abi::kEventtypeFdRead) {
            // Everything here is ready at once: stdin is at end of file, files are in memory.
            if (entry->kind == FdKind::kStdin) {
              event.fd_readwrite.flags = abi::kEventFdReadwriteHangup;
            } else if (entry->kind == FdKind::kFile) {
              auto size = entry->handle->size();
              uint64_t end = size.ok() ? *size : 0;
              event.fd_readwrite.nbytes = end > entry->offset ? end - entry->offset : 0;
            }
          }
          events.push_back(event);
          break;
        }
        default:
          return Errno::kInval;
      }
    }

    // Sleep only when nothing is ready yet, and only until the earliest clock.
    auto now = start;
    if (events.empty() && earliest) {
      switch (sleep_until(*earliest)) {
        case SleepEnd::kInterrupted:
          interrupted_ = true;
          (void)mem.write<uint32_t>(nevents_ptr, 0);
          return Errno::kIntr;
        case SleepEnd::kWoken:  // the earliest clock counts as fired: the guest runs at once
          now = *earliest;
          break;
        case SleepEnd::kDeadline:
          now = SteadyClock::now();
          break;
      }
    } else {
      now = SteadyClock::now();
    }
    for (uint32_t i = 0; i < nsubscriptions; ++i) {
      if (deadlines[i] && *deadlines[i] <= now) {
        abi::Event event{};
        event.userdata = subs[i].userdata;
        event.type = abi::kEventtypeClock;
        events.push_back(event);
      }
    }
    for (size_t i = 0; i < events.size(); ++i) {
      (void)mem.write(static_cast<uint64_t>(out) + i * sizeof(abi::Event), events[i]);
    }
    (void)mem.write<uint32_t>(nevents_ptr, static_cast<uint32_t>(events.size()));
    return Errno::kSuccess;
  });
}

}  // namespace eryx::wasi
