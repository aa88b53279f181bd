// The default resolver: the system's getaddrinfo. Blocking; the caller runs it on a worker and
// stops waiting at its deadline.
#pragma once

#include "eryx/net.hpp"

namespace eryx::net {

class SystemResolver : public HostResolver {
 public:
  // At most this many addresses are returned (the rest are dropped).
  static constexpr size_t kMaxAddresses = 32;

  // The numeric addresses of `name` (both families, each once, in getaddrinfo's order), or the
  // resolver's error. A deadline already past gives an error without a lookup.
  Answer resolve(std::string_view name, std::chrono::steady_clock::time_point deadline) override;
};

}  // namespace eryx::net
