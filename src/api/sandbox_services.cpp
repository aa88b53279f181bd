#include "api/sandbox_services.h"

#include "api/sandbox_packages.h"

namespace eryx::detail {

std::shared_ptr<const SandboxServices> SandboxServices::compile(const SandboxOptions& options) {
  auto services = std::make_shared<SandboxServices>();
  services->secrets =
      secrets::SandboxSecrets::make(options.secrets, options.scrub, options.network);
  if (options.network) {
    services->network = net::SandboxNetwork::make(
        *options.network, services->secrets ? services->secrets->outbound() : nullptr);
  }
  services->packages = load_sandbox_packages(options);
  return services;
}

}  // namespace eryx::detail
