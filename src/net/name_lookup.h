// Name resolution for the guest with a deadline: a user's HostResolver is called directly (its
// contract is to return by the deadline); the system resolver (getaddrinfo, which cannot be
// cancelled) runs on a worker thread that the guest's wait can abandon.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "eryx/net.hpp"
#include "net/net_session.h"

namespace eryx::net {

struct LookupAnswer {
  enum class Outcome { kDone, kTimedOut, kStopped, kInterrupted };
  Outcome outcome = Outcome::kDone;
  std::vector<std::string> addresses;  // empty with `error` when the name does not resolve
  std::string error;
};

// `resolver` null: the system resolver.
LookupAnswer lookup_name(HostResolver* resolver, const std::string& name,
                         std::chrono::steady_clock::time_point until, const WaitControl& wait);

// System lookups running at once in the process; past it a lookup fails at once rather than
// piling up threads stuck in getaddrinfo.
inline constexpr int kMaxLookupsInFlight = 32;

}  // namespace eryx::net
