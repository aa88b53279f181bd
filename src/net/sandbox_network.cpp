#include "net/sandbox_network.h"

namespace eryx::net {

std::shared_ptr<const SandboxNetwork> SandboxNetwork::make(const NetConfig& config) {
  config.validate();
  auto network = std::make_shared<SandboxNetwork>(SandboxNetwork{
      Policy::make(config), TlsTrust::make(config.system_roots, config.root_certs),
      config.resolver, config.max_connections, config.connect_timeout_ms, config.io_timeout_ms});
  return network;
}

}  // namespace eryx::net
