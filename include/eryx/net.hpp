// Networking for sandboxes: off unless a NetConfig is given. Every connection the guest asks for is
// made by the host, after the policy below has checked the name the code asked for and every
// address it resolves to; TLS runs in the host with OpenSSL (docs/guide/networking.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eryx {

// Resolves host names for a sandbox's network. The default is the system resolver (getaddrinfo);
// tests and deployments with their own name service pass another. Answers are checked against the
// policy after resolution, whatever resolver gave them.
class HostResolver {
 public:
  struct Answer {
    // IP address literals ("93.184.216.34", "2001:db8::1"); empty with `error` set on failure.
    std::vector<std::string> addresses;
    // Why the name did not resolve (e.g. "name not found"); empty on success.
    std::string error;
  };
  virtual ~HostResolver() = default;
  // Called on the executing thread; must return by `deadline` (the host stops waiting then).
  virtual Answer resolve(std::string_view name, std::chrono::steady_clock::time_point deadline) = 0;
};

// Maps names to fixed addresses (like curl --resolve); other names do not resolve.
class StaticResolver : public HostResolver {
 public:
  StaticResolver& add(std::string name, std::vector<std::string> addresses);
  Answer resolve(std::string_view name, std::chrono::steady_clock::time_point deadline) override;

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> entries_;
};

// What a sandbox may reach. Same names and defaults as pyeryx's NetConfig.
//
// Host patterns: "*" (every name), an exact name (case-insensitive, trailing dot ignored), or a
// glob such as "*.example.com" (matches "a.example.com", not "example.com"). Patterns match the
// name the code asked for; an IP literal in any spelling is matched only by network (CIDR) rules. A
// pattern that is an IP address or CIDR is taken as that network rule.
//
// Checks, in order: blocked_hosts refuse a name; a non-empty allowed_hosts (or allow_all_hosts ==
// false) refuses every name not in it; then every address the name resolves to (or the literal
// address) must be outside blocked_networks, unless it is inside allowed_networks or the name
// matches internal_hosts. Invalid patterns and CIDRs throw InvalidArgumentError when the config is
// used (and in the Python binding, ValueError at construction).
struct NetConfig {
  uint32_t max_connections = 10;  // live connections (TCP and TLS together) per sandbox
  uint64_t connect_timeout_ms = 30'000;
  uint64_t io_timeout_ms = 60'000;  // longest wait of one send/recv; the guest's settimeout() is
                                    // honoured but never above it
  // nullopt: all names allowed when allowed_hosts is empty, only those when it is not.
  // true: every name (allowed_hosts ignored). false: only allowed_hosts (empty: no name).
  std::optional<bool> allow_all_hosts;
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> blocked_hosts = default_blocked_hosts();
  std::vector<std::string> blocked_networks = default_blocked_networks();
  std::vector<std::string> allowed_networks;
  // Set by allow_localhost(): the name "localhost" is allowed even when allowed_hosts restricts.
  bool localhost_allowed = false;
  // Names allowed to resolve into blocked_networks (names whose DNS you control).
  std::vector<std::string> internal_hosts;
  // Root certificates trusted besides the system's, each DER or PEM (a PEM may hold several).
  std::vector<std::string> root_certs;
  // Whether the system's root certificates are trusted.
  bool system_roots = true;
  // nullptr: the system resolver.
  std::shared_ptr<HostResolver> resolver;

  // Everything reachable: no blocked names or networks (loopback and private networks too).
  static NetConfig permissive();

  // Builders (return *this). allow_host restricts: once a name is allowed, other names are refused.
  NetConfig& allow_host(std::string pattern);
  NetConfig& block_host(std::string pattern);
  NetConfig& allow_network(std::string cidr);
  NetConfig& allow_internal_host(std::string pattern);
  // The name "localhost" (without restricting other names), 127.0.0.0/8 and ::1.
  NetConfig& allow_localhost();
  NetConfig& with_root_cert(std::string der_or_pem);

  // Throws InvalidArgumentError naming the first invalid pattern, CIDR, certificate or limit.
  void validate() const;

  // Every non-public range of IPv4 and IPv6 (see docs/guide/networking.md).
  static std::vector<std::string> default_blocked_networks();
  static std::vector<std::string> default_blocked_hosts();
};

}  // namespace eryx
