// NetConfig's builders, defaults and validation (include/eryx/net.hpp).
#include <algorithm>

#include "eryx/net.hpp"
#include "net/policy.h"

namespace eryx {
namespace {

void add_once(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

}  // namespace

std::vector<std::string> NetConfig::default_blocked_networks() {
  return {
      // IPv4: "this network", private, shared (CGNAT), loopback, link-local (cloud metadata at
      // 169.254.169.254), IETF protocol assignments, documentation, 6to4 relay, benchmarking,
      // multicast, reserved, broadcast.
      "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
      "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
      "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
      // IPv6: unspecified, loopback, discard-only, IETF protocol assignments (Teredo among
      // them), documentation (two), segment routing SIDs, unique local, link-local, site-local,
      // multicast. Mapped, NAT64, 6to4 and Teredo addresses are checked by the IPv4 address they
      // carry.
      "::/128", "::1/128", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20", "5f00::/16",
      "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"};
}

std::vector<std::string> NetConfig::default_blocked_hosts() { return {"localhost", "*.localhost"}; }

NetConfig NetConfig::permissive() {
  NetConfig config;
  config.allow_all_hosts = true;
  config.blocked_hosts.clear();
  config.blocked_networks.clear();
  return config;
}

NetConfig& NetConfig::allow_host(std::string pattern) {
  allowed_hosts.push_back(std::move(pattern));
  return *this;
}

NetConfig& NetConfig::block_host(std::string pattern) {
  blocked_hosts.push_back(std::move(pattern));
  return *this;
}

NetConfig& NetConfig::allow_network(std::string cidr) {
  allowed_networks.push_back(std::move(cidr));
  return *this;
}

NetConfig& NetConfig::allow_internal_host(std::string pattern) {
  internal_hosts.push_back(std::move(pattern));
  return *this;
}

NetConfig& NetConfig::allow_localhost() {
  // The default patterns in any spelling ("LOCALHOST.", ...): what they match is what is lifted.
  std::erase_if(blocked_hosts, [](const std::string& pattern) {
    auto parsed = net::HostPattern::parse(pattern);
    return parsed && (parsed->to_string() == "localhost" || parsed->to_string() == "*.localhost");
  });
  localhost_allowed = true;
  add_once(allowed_networks, "127.0.0.0/8");
  add_once(allowed_networks, "::1/128");
  return *this;
}

NetConfig& NetConfig::with_root_cert(std::string der_or_pem) {
  root_certs.push_back(std::move(der_or_pem));
  return *this;
}

void NetConfig::validate() const { (void)net::Policy::make(*this); }

}  // namespace eryx
