#include "net/sandbox_network.h"

#include <map>
#include <mutex>
#include <string>

#include "util/sha256.h"

namespace eryx::net {
namespace {

// One trust per distinct set of roots in the process: loading the system roots costs ~25 ms, which
// every sandbox (each with its own NetConfig) would otherwise pay on its first TLS connection.
std::shared_ptr<const TlsTrust> shared_trust(bool system_roots,
                                             const std::vector<std::string>& roots) {
  std::string key = system_roots ? "system" : "none";
  for (const auto& root : roots) key = util::sha256({key, "\n", root});
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<const TlsTrust>> trusts;
  std::lock_guard lock(mutex);
  if (auto found = trusts.find(key); found != trusts.end()) {
    if (auto trust = found->second.lock()) return trust;
  }
  auto trust = TlsTrust::make(system_roots, roots);
  std::erase_if(trusts, [](const auto& entry) { return entry.second.expired(); });
  trusts[key] = trust;
  return trust;
}

}  // namespace

std::shared_ptr<const SandboxNetwork> SandboxNetwork::make(const NetConfig& config) {
  config.validate();
  auto network = std::make_shared<SandboxNetwork>(SandboxNetwork{
      Policy::make(config), shared_trust(config.system_roots, config.root_certs), config.resolver,
      config.max_connections, config.connect_timeout_ms, config.io_timeout_ms});
  return network;
}

}  // namespace eryx::net
