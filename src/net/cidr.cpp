#include "net/cidr.h"

namespace eryx::net {
namespace {

// The base address with every bit beyond `prefix` cleared.
IpAddress masked(IpAddress address, int prefix) {
  int width = address.family == IpAddress::Family::kV4 ? 32 : 128;
  for (int bit = prefix; bit < width; ++bit) {
    address.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  return address;
}

}  // namespace

std::variant<Cidr, std::string> Cidr::parse_or_error(std::string_view text) {
  std::string_view address_text = text;
  std::string_view prefix_text;
  bool has_prefix = false;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    address_text = text.substr(0, slash);
    prefix_text = text.substr(slash + 1);
    has_prefix = true;
  }
  auto address = parse_ip_literal(address_text);
  if (!address) return std::string("the address is not an IP address");
  if (!address->zone.empty()) return std::string("a network cannot have a zone");
  int width = address->family == IpAddress::Family::kV4 ? 32 : 128;
  int prefix = width;
  if (has_prefix) {
    if (prefix_text.empty() || prefix_text.size() > 3 ||
        prefix_text.find_first_not_of("0123456789") != std::string_view::npos ||
        (prefix_text.size() > 1 && prefix_text[0] == '0')) {
      return std::string("the prefix length is not a decimal number");
    }
    prefix = 0;
    for (char c : prefix_text) prefix = prefix * 10 + (c - '0');
    if (prefix > width) {
      return "the prefix length is above " + std::to_string(width);
    }
  }
  IpAddress base = masked(*address, prefix);
  if (base != *address) {
    return "host bits are set beyond /" + std::to_string(prefix) + " (did you mean " +
           base.to_string() + "/" + std::to_string(prefix) + "?)";
  }
  return Cidr{base, prefix};
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  auto result = parse_or_error(text);
  if (auto* cidr = std::get_if<Cidr>(&result)) return *cidr;
  return std::nullopt;
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.family != base.family) return false;
  int full = prefix / 8;
  for (int i = 0; i < full; ++i) {
    if (address.bytes[i] != base.bytes[i]) return false;
  }
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff00u >> rest);
  return (address.bytes[full] & mask) == (base.bytes[full] & mask);
}

std::string Cidr::to_string() const { return base.to_string() + "/" + std::to_string(prefix); }

}  // namespace eryx::net
