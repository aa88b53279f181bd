// StaticResolver (include/eryx/net.hpp): a fixed table of names, like curl --resolve.
#include "eryx/errors.hpp"
#include "eryx/net.hpp"
#include "net/host_pattern.h"
#include "net/ip_address.h"
#include "net/quote.h"

namespace eryx {

StaticResolver& StaticResolver::add(std::string name, std::vector<std::string> addresses) {
  auto normalized = net::normalize_host_name(name);
  if (!normalized) {
    throw InvalidArgumentError("StaticResolver.add: " + net::quote(name) +
                               " is not a valid host name");
  }
  for (const auto& address : addresses) {
    if (!net::parse_ip_literal(address)) {
      throw InvalidArgumentError("StaticResolver.add(" + net::quote(*normalized) +
                                 "): " + net::quote(address) + " is not an IP address");
    }
  }
  // A later entry for the same name replaces the earlier one.
  for (auto& entry : entries_) {
    if (entry.first == *normalized) {
      entry.second = std::move(addresses);
      return *this;
    }
  }
  entries_.emplace_back(std::move(*normalized), std::move(addresses));
  return *this;
}

HostResolver::Answer StaticResolver::resolve(std::string_view name,
                                             std::chrono::steady_clock::time_point) {
  auto normalized = net::normalize_host_name(name);
  if (normalized) {
    for (const auto& entry : entries_) {
      if (entry.first == *normalized && !entry.second.empty()) return Answer{entry.second, {}};
    }
  }
  return Answer{{}, "name not found"};
}

}  // namespace eryx
