#include "net/name_lookup.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "net/system_resolver.h"

namespace eryx::net {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<int> lookups_in_flight{0};

struct PendingLookup {
  std::mutex mutex;
  std::condition_variable done_changed;
  bool done = false;
  HostResolver::Answer answer;
};

}  // namespace

LookupAnswer lookup_name(HostResolver* resolver, const std::string& name, Clock::time_point until,
                         const WaitControl& wait) {
  LookupAnswer result;
  if (resolver != nullptr) {
    HostResolver::Answer answer = resolver->resolve(name, until);
    result.addresses = std::move(answer.addresses);
    result.error = std::move(answer.error);
    return result;
  }
  if (lookups_in_flight.fetch_add(1) >= kMaxLookupsInFlight) {
    lookups_in_flight.fetch_sub(1);
    result.error = "too many name lookups in progress in this process";
    return result;
  }
  auto pending = std::make_shared<PendingLookup>();
  // Detached: getaddrinfo cannot be cancelled, so a wait that gives up leaves the thread to
  // finish into `pending`, which it shares.
  std::thread([pending, name] {
    HostResolver::Answer answer = SystemResolver().resolve(name, Clock::time_point::max());
    {
      std::lock_guard lock(pending->mutex);
      pending->answer = std::move(answer);
      pending->done = true;
    }
    pending->done_changed.notify_all();
    lookups_in_flight.fetch_sub(1);
  }).detach();
  std::unique_lock lock(pending->mutex);
  for (;;) {
    auto slice = std::min(until, Clock::now() + std::chrono::milliseconds(10));
    if (pending->done_changed.wait_until(lock, slice, [&] { return pending->done; })) break;
    if (wait.should_stop && wait.should_stop()) {
      result.outcome = LookupAnswer::Outcome::kStopped;
      return result;
    }
    if (wait.interrupted && wait.interrupted()) {
      result.outcome = LookupAnswer::Outcome::kInterrupted;
      return result;
    }
    if (Clock::now() >= until) {
      result.outcome = LookupAnswer::Outcome::kTimedOut;
      return result;
    }
  }
  result.addresses = std::move(pending->answer.addresses);
  result.error = std::move(pending->answer.error);
  return result;
}

}  // namespace eryx::net
