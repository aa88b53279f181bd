#include "net/sandbox_network.h"

#include <list>
#include <mutex>
#include <string>

#include "util/sha256.h"

namespace eryx::net {
namespace {

// One trust per distinct set of roots, kept for the process (the most recent kMaxTrusts): loading
// the system roots costs ~25 ms, which every sandbox would otherwise pay on its first TLS
// connection, and sandboxes are often made per request with the same NetConfig.
constexpr size_t kMaxTrusts = 16;

std::shared_ptr<const TlsTrust> shared_trust(bool system_roots,
                                             const std::vector<std::string>& roots) {
  std::string key = system_roots ? "system" : "none";
  for (const auto& root : roots) key = util::sha256({key, "\n", root});
  static std::mutex mutex;
  // Never destroyed: freeing OpenSSL contexts after OpenSSL's own exit handler has run crashes.
  static auto& trusts =
      *new std::list<std::pair<std::string, std::shared_ptr<const TlsTrust>>>;  // newest first
  std::lock_guard lock(mutex);
  for (auto it = trusts.begin(); it != trusts.end(); ++it) {
    if (it->first == key) {
      trusts.splice(trusts.begin(), trusts, it);
      return trusts.front().second;
    }
  }
  auto trust = TlsTrust::make(system_roots, roots);
  trusts.emplace_front(key, trust);
  if (trusts.size() > kMaxTrusts) trusts.pop_back();
  return trust;
}

}  // namespace

std::shared_ptr<const SandboxNetwork> SandboxNetwork::make(
    const NetConfig& config, std::shared_ptr<const OutboundFilter> outbound) {
  config.validate();
  auto network = std::make_shared<SandboxNetwork>(
      SandboxNetwork{Policy::make(config), shared_trust(config.system_roots, config.root_certs),
                     config.resolver, config.max_connections, config.connect_timeout_ms,
                     config.io_timeout_ms, std::move(outbound)});
  return network;
}

}  // namespace eryx::net
