// The network policy of a sandbox: which names and addresses a guest may connect to. Engine-free
// and deterministic (no I/O): the caller resolves names and asks again with the answers.
//
// How a NetConfig becomes rules:
// - An entry of allowed_hosts, blocked_hosts or internal_hosts that is an IP address (any spelling
//   parse_ip_literal accepts) or a CIDR is a network rule: allowed_hosts and internal_hosts add it
//   to the allowed networks, blocked_hosts to the blocked networks. Every other entry is a host
//   pattern (host_pattern.h); one that is neither (or whose last label is a number, like
//   "1.2.3.256") is invalid.
// - Names are restricted when allow_all_hosts is false, or when it is unset and allowed_hosts is
//   not empty (an IP entry counts: allow_host("10.0.0.5") alone admits that address and no name).
//   allow_all_hosts == true, or a "*" in allowed_hosts, lifts the restriction.
//
// How a connection is checked (the caller first splits the host with parse_target):
// - A name (check_name): refused if it matches blocked_hosts; allowed if it is "localhost" and
//   localhost_allowed; refused if names are restricted and no allowed_hosts pattern matches it;
//   otherwise allowed, to be resolved and checked again with check_resolved.
// - An address (check_literal, and each resolved address): allowed if inside an allowed network
//   (an IPv4-mapped ::ffff:a.b.c.d also when a.b.c.d is, since the connection goes to a.b.c.d);
//   refused if it is the unspecified address or multicast/broadcast (also when it carries such an
//   IPv4 address: IpAddress::embedded_ipv4); refused if it or the IPv4 address it carries is inside
//   a blocked network. A literal is then refused if names are restricted (an IP address is allowed
//   only by a network rule then), else allowed.
// - A resolved name (check_resolved): the name must pass check_name and EVERY address must pass,
//   so a rebinding answer (public first, private second) is refused as a whole; an address inside
//   a blocked network is let through only if the name matches internal_hosts (the unspecified,
//   multicast and broadcast addresses never are). The caller connects only to addresses checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "eryx/net.hpp"
#include "net/cidr.h"
#include "net/host_pattern.h"
#include "net/ip_address.h"

namespace eryx::net {

struct Verdict {
  bool allowed = false;
  // Empty when allowed; otherwise a full sentence for the guest's OSError, e.g. "eryx: connection
  // to 10.0.0.1 refused by the sandbox's network policy (10.0.0.0/8 is a blocked network)".
  std::string reason;
};

// What a host string from the guest denotes: an address literal, or a normalized name.
struct Target {
  std::optional<IpAddress> address;
  std::string name;  // normalized (normalize_host_name); empty for a literal
};

// Whether an entry of a host list (allowed_hosts, blocked_hosts) names addresses (an IP literal or
// a CIDR) rather than host names; Policy::make reads such an entry as a network rule.
bool is_address_entry(std::string_view entry);

// Immutable once made: one Policy may be shared by threads (every check is const and allocates
// only its result).
class Policy {
 public:
  // Checks the whole config (patterns, CIDRs, limits, root certificates; NetConfig::validate calls
  // this) and compiles its rules. Throws InvalidArgumentError naming the first bad item, e.g.
  // "NetConfig.blocked_networks[2]: '10.0.0.0/33' is not a valid CIDR (the prefix length is above
  // 32)".
  static Policy make(const NetConfig& config);

  // Splits a host as the guest gave it: one pair of brackets and one trailing dot are dropped,
  // then it is an IP literal (parse_ip_literal) or a host name (normalize_host_name). Otherwise,
  // and for a name whose last label is a number (never a real name; a resolver could read it as an
  // address), a sentence saying why it is malformed.
  static std::variant<Target, std::string> parse_target(std::string_view host);

  // `name` as parse_target returns it (normalized).
  Verdict check_name(std::string_view name) const;
  Verdict check_literal(const IpAddress& address) const;
  // check_name, then every address (an empty list is refused).
  Verdict check_resolved(std::string_view name, const std::vector<IpAddress>& addresses) const;
  // check_literal or check_name, as the target is.
  Verdict check_target(const Target& target) const;

  // Whether only allowed_hosts' names may be used (and IP literals only through network rules).
  bool restricts_names() const { return restricts_names_; }

 private:
  // Why `address` may not be reached, as the parenthesised part of a reason ("10.0.0.0/8 is a
  // blocked network"); nullopt if it may. `internal`: the name matches internal_hosts.
  std::optional<std::string> address_problem(const IpAddress& address, bool internal) const;

  std::vector<Cidr> allowed_networks_;
  std::vector<Cidr> blocked_networks_;
  std::vector<HostPattern> allowed_names_;
  std::vector<HostPattern> blocked_names_;
  std::vector<HostPattern> internal_names_;
  bool restricts_names_ = false;
  bool localhost_allowed_ = false;
};

}  // namespace eryx::net
