// What a sandbox's NetConfig becomes once validated: the compiled policy, the TLS trust and the
// resolver, shared (immutable) by every instance of the sandbox; and the factory of the per-
// instance network (the connection table behind the guest's net_* imports).
#pragma once

#include <cstdint>
#include <memory>

#include "eryx/net.hpp"
#include "net/net_session.h"
#include "net/outbound_filter.h"
#include "net/policy.h"
#include "net/tls_trust.h"

namespace eryx::net {

struct SandboxNetwork {
  // Throws InvalidArgumentError for an invalid config (pattern, CIDR, certificate, limit).
  // `outbound` (may be null) rewrites what the guest sends (the sandbox's secrets).
  static std::shared_ptr<const SandboxNetwork> make(
      const NetConfig& config, std::shared_ptr<const OutboundFilter> outbound = nullptr);

  Policy policy;
  std::shared_ptr<const TlsTrust> trust;
  std::shared_ptr<HostResolver> resolver;  // null: the system resolver, on a worker thread
  uint32_t max_connections = 10;
  uint64_t connect_timeout_ms = 30'000;
  uint64_t io_timeout_ms = 60'000;
  std::shared_ptr<const OutboundFilter> outbound;  // null: bytes go out as the guest wrote them
};

// A fresh network for one instance: no connections yet.
std::unique_ptr<NetSession> open_network(std::shared_ptr<const SandboxNetwork> network);

}  // namespace eryx::net
