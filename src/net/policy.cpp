#include "net/policy.h"

#include "eryx/errors.hpp"
#include "net/config_checks.h"
#include "net/quote.h"

namespace eryx::net {
namespace {

std::string refusal(std::string_view what, std::string_view why) {
  return "eryx: connection to " + std::string(what) + " refused by the sandbox's network policy (" +
         std::string(why) + ")";
}

Verdict refuse(std::string_view what, std::string_view why) { return {false, refusal(what, why)}; }

[[noreturn]] void invalid(const char* field, size_t index, std::string_view item,
                          std::string_view why) {
  throw InvalidArgumentError("NetConfig." + std::string(field) + "[" + std::to_string(index) +
                             "]: " + quote(item) + " " + std::string(why));
}

// The last dot-separated label of `name` (ignoring one trailing dot).
std::string_view last_label(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

// A host-list entry: a network rule, or a host pattern. Throws when it is neither.
std::variant<Cidr, HostPattern> parse_host_entry(const char* field, size_t index,
                                                 std::string_view entry) {
  if (is_address_entry(entry)) {
    auto cidr = Cidr::parse_or_error(entry);
    if (auto* error = std::get_if<std::string>(&cidr)) {
      invalid(field, index, entry, "is not a valid IP address or CIDR (" + *error + ")");
    }
    return std::get<Cidr>(cidr);
  }
  if (looks_numeric(last_label(entry))) {
    invalid(field, index, entry, "is not a valid IP address");
  }
  auto pattern = HostPattern::parse(entry);
  if (!pattern) {
    invalid(field, index, entry,
            "is not a valid host pattern (\"*\", a name, or a name with '*' labels such as "
            "\"*.example.com\")");
  }
  return *pattern;
}

void add_host_entries(const char* field, const std::vector<std::string>& entries,
                      std::vector<Cidr>& networks, std::vector<HostPattern>& patterns) {
  for (size_t i = 0; i < entries.size(); ++i) {
    auto entry = parse_host_entry(field, i, entries[i]);
    if (auto* cidr = std::get_if<Cidr>(&entry)) {
      networks.push_back(*cidr);
    } else {
      patterns.push_back(std::get<HostPattern>(entry));
    }
  }
}

void add_networks(const char* field, const std::vector<std::string>& entries,
                  std::vector<Cidr>& networks) {
  for (size_t i = 0; i < entries.size(); ++i) {
    auto cidr = Cidr::parse_or_error(entries[i]);
    if (auto* error = std::get_if<std::string>(&cidr)) {
      invalid(field, i, entries[i], "is not a valid CIDR (" + *error + ")");
    }
    networks.push_back(std::get<Cidr>(cidr));
  }
}

const HostPattern* first_match(const std::vector<HostPattern>& patterns, std::string_view name) {
  for (const auto& pattern : patterns) {
    if (pattern.matches(name)) return &pattern;
  }
  return nullptr;
}

const Cidr* first_containing(const std::vector<Cidr>& networks, const IpAddress& address) {
  for (const auto& cidr : networks) {
    if (cidr.contains(address)) return &cidr;
  }
  return nullptr;
}

// Why an address is special (never reachable unless explicitly allowed); nullopt if it is not.
std::optional<std::string> special(const IpAddress& address) {
  if (address.is_unspecified()) return "the unspecified address";
  if (address.is_multicast_or_broadcast()) return "a multicast or broadcast address";
  return std::nullopt;
}

}  // namespace

bool is_address_entry(std::string_view entry) {
  return entry.find_first_of("/:[") != std::string_view::npos || parse_ip_literal(entry);
}

Policy Policy::make(const NetConfig& config) {
  check_limits_and_certificates(config);
  Policy policy;
  add_host_entries("allowed_hosts", config.allowed_hosts, policy.allowed_networks_,
                   policy.allowed_names_);
  add_host_entries("blocked_hosts", config.blocked_hosts, policy.blocked_networks_,
                   policy.blocked_names_);
  add_host_entries("internal_hosts", config.internal_hosts, policy.allowed_networks_,
                   policy.internal_names_);
  add_networks("blocked_networks", config.blocked_networks, policy.blocked_networks_);
  add_networks("allowed_networks", config.allowed_networks, policy.allowed_networks_);
  bool star_allowed = false;
  for (const auto& pattern : policy.allowed_names_) star_allowed |= pattern.matches_everything();
  if (config.allow_all_hosts == true || star_allowed) {
    policy.restricts_names_ = false;
  } else if (config.allow_all_hosts == false) {
    policy.restricts_names_ = true;
  } else {
    policy.restricts_names_ = !config.allowed_hosts.empty();
  }
  policy.localhost_allowed_ = config.localhost_allowed;
  return policy;
}

std::variant<Target, std::string> Policy::parse_target(std::string_view host) {
  std::string_view text = host;
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  bool bracketed = text.size() >= 2 && text.front() == '[' && text.back() == ']';
  if (bracketed) text = text.substr(1, text.size() - 2);
  if (auto address = parse_ip_literal(text)) return Target{*address, {}};
  if (bracketed) return "eryx: " + quote(host) + " is not a valid IP address";
  if (auto name = normalize_host_name(text)) {
    if (!looks_numeric(last_label(*name))) return Target{std::nullopt, *name};
    return "eryx: " + quote(host) + " is not a valid IP address";
  }
  return "eryx: " + quote(host) + " is not a valid host name or IP address";
}

Verdict Policy::check_name(std::string_view name) const {
  if (const HostPattern* blocked = first_match(blocked_names_, name)) {
    return refuse(name, "it matches the blocked host pattern " + quote(blocked->to_string()));
  }
  if (localhost_allowed_ && name == "localhost") return {true, {}};
  if (restricts_names_ && !first_match(allowed_names_, name)) {
    return refuse(name, "it is not among the allowed hosts");
  }
  return {true, {}};
}

std::optional<std::string> Policy::address_problem(const IpAddress& address, bool internal) const {
  auto embedded = address.embedded_ipv4();
  if (first_containing(allowed_networks_, address)) return std::nullopt;
  // A mapped address is the IPv4 host itself; the other embeddings reach it through a gateway.
  if (address.is_v4_mapped() && first_containing(allowed_networks_, *embedded)) return std::nullopt;
  if (auto why = special(address)) return address.to_string() + " is " + *why;
  if (embedded) {
    if (auto why = special(*embedded)) {
      return address.to_string() + " carries the IPv4 address " + embedded->to_string() +
             ", which is " + *why;
    }
  }
  if (internal) return std::nullopt;
  if (const Cidr* blocked = first_containing(blocked_networks_, address)) {
    return blocked->to_string() + " is a blocked network";
  }
  if (embedded) {
    if (const Cidr* blocked = first_containing(blocked_networks_, *embedded)) {
      return address.to_string() + " carries the IPv4 address " + embedded->to_string() + ", and " +
             blocked->to_string() + " is a blocked network";
    }
  }
  return std::nullopt;
}

Verdict Policy::check_literal(const IpAddress& address) const {
  std::string text = address.to_string();
  if (auto why = address_problem(address, false)) return refuse(text, *why);
  bool allowed_network =
      first_containing(allowed_networks_, address) ||
      (address.is_v4_mapped() && first_containing(allowed_networks_, *address.embedded_ipv4()));
  if (restricts_names_ && !allowed_network) {
    return refuse(text,
                  "only the allowed hosts may be reached, and an IP address only through a network "
                  "rule: add it with allow_network");
  }
  return {true, {}};
}

Verdict Policy::check_resolved(std::string_view name,
                               const std::vector<IpAddress>& addresses) const {
  Verdict verdict = check_name(name);
  if (!verdict.allowed) return verdict;
  if (addresses.empty()) return refuse(name, "it resolves to no address");
  bool internal = first_match(internal_names_, name) != nullptr;
  for (const auto& address : addresses) {
    if (auto why = address_problem(address, internal)) {
      return refuse(name, "it resolves to " + address.to_string() + ", and " + *why);
    }
  }
  return {true, {}};
}

Verdict Policy::check_target(const Target& target) const {
  return target.address ? check_literal(*target.address) : check_name(target.name);
}

}  // namespace eryx::net
