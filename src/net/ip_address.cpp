#include "net/ip_address.h"

#include <net/if.h>

#include <cstdio>
#include <vector>

namespace eryx::net {
namespace {

// Longer than any spelling of an address (the longest sensible one, an IPv6 address with an
// embedded dotted quad, octal parts and a zone, stays far below it): bounds the work on guest text.
constexpr size_t kMaxLiteralLength = 128;
constexpr size_t kMaxZoneLength = 32;

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One part of an inet_aton-style address: decimal, octal after a leading 0, hex after 0x ("0x"
// alone is 0, as in inet_aton and the URL standard). nullopt above 2^32 - 1 or on a stray
// character.
std::optional<uint64_t> parse_v4_part(std::string_view part) {
  if (part.empty()) return std::nullopt;
  int base = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    base = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    base = 8;
    part.remove_prefix(1);
  }
  uint64_t value = 0;
  for (char c : part) {
    int d = digit_value(c);
    if (d < 0 || d >= base) return std::nullopt;
    value = value * base + d;
    if (value > 0xffffffffu) return std::nullopt;
  }
  return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

// inet_aton's forms: a.b.c.d, a.b.c (c 16 bits), a.b (b 24 bits), a (32 bits); each part in any
// base. One trailing dot is allowed, as in URLs.
std::optional<IpAddress> parse_v4(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  auto parts = split(text, '.');
  if (parts.size() > 4) return std::nullopt;
  uint32_t value = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto part = parse_v4_part(parts[i]);
    if (!part) return std::nullopt;
    bool last = i + 1 == parts.size();
    if (!last) {
      if (*part > 0xff) return std::nullopt;
      value |= static_cast<uint32_t>(*part) << (8 * (3 - i));
    } else {
      int bits = 8 * static_cast<int>(4 - i);
      if (bits < 32 && *part >> bits) return std::nullopt;
      value |= static_cast<uint32_t>(*part);
    }
  }
  return IpAddress::v4(value);
}

// The dotted quad at the end of an IPv6 address: inet_pton's strict form (four decimal parts, no
// leading zeros, which would be ambiguous between octal and decimal).
std::optional<uint32_t> parse_strict_dotted_quad(std::string_view text) {
  auto parts = split(text, '.');
  if (parts.size() != 4) return std::nullopt;
  uint32_t value = 0;
  for (auto part : parts) {
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return std::nullopt;
    uint32_t n = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    if (n > 255) return std::nullopt;
    value = value << 8 | n;
  }
  return value;
}

// Groups of one side of "::" (or of the whole address), appended to `groups`; a dotted quad may
// end the address (`tail_allowed`) and counts as two groups.
bool parse_v6_groups(std::string_view text, bool tail_allowed, std::vector<uint16_t>& groups) {
  if (text.empty()) return true;
  auto pieces = split(text, ':');
  for (size_t i = 0; i < pieces.size(); ++i) {
    auto piece = pieces[i];
    if (tail_allowed && i + 1 == pieces.size() && piece.find('.') != std::string_view::npos) {
      auto quad = parse_strict_dotted_quad(piece);
      if (!quad) return false;
      groups.push_back(static_cast<uint16_t>(*quad >> 16));
      groups.push_back(static_cast<uint16_t>(*quad & 0xffff));
      continue;
    }
    if (piece.empty() || piece.size() > 4) return false;
    uint16_t group = 0;
    for (char c : piece) {
      int d = digit_value(c);
      if (d < 0) return false;
      group = static_cast<uint16_t>(group << 4 | d);
    }
    groups.push_back(group);
  }
  return groups.size() <= 8;
}

bool valid_zone(std::string_view zone) {
  if (zone.empty() || zone.size() > kMaxZoneLength) return false;
  for (char c : zone) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '~';
    if (!ok) return false;
  }
  return true;
}

std::optional<IpAddress> parse_v6(std::string_view text) {
  std::string_view zone;
  if (size_t percent = text.find('%'); percent != std::string_view::npos) {
    zone = text.substr(percent + 1);
    text = text.substr(0, percent);
    // RFC 6874: in a URL the '%' before a zone is written "%25".
    if (zone.size() > 2 && zone.substr(0, 2) == "25") zone.remove_prefix(2);
    if (!valid_zone(zone)) return std::nullopt;
  }
  std::vector<uint16_t> groups;
  size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    if (!parse_v6_groups(text, true, groups) || groups.size() != 8) return std::nullopt;
  } else {
    std::vector<uint16_t> right;
    if (!parse_v6_groups(text.substr(0, gap), false, groups) ||
        !parse_v6_groups(text.substr(gap + 2), true, right) || groups.size() + right.size() > 7) {
      return std::nullopt;
    }
    groups.resize(8 - right.size(), 0);
    groups.insert(groups.end(), right.begin(), right.end());
  }
  std::array<uint8_t, 16> bytes{};
  for (size_t i = 0; i < 8; ++i) {
    bytes[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
    bytes[2 * i + 1] = static_cast<uint8_t>(groups[i] & 0xff);
  }
  IpAddress address = IpAddress::v6(bytes);
  address.zone = std::string(zone);
  if (!zone.empty() && zone.size() <= 10 && zone.find_first_not_of("0123456789") == zone.npos) {
    uint64_t n = 0;
    for (char c : zone) n = n * 10 + (c - '0');
    if (n <= 0xffffffffu) address.scope_id = static_cast<uint32_t>(n);
  }
  return address;
}

uint32_t read_u32(const std::array<uint8_t, 16>& b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}

bool all_zero(const std::array<uint8_t, 16>& b, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    if (b[i] != 0) return false;
  }
  return true;
}

}  // namespace

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress address;
  address.family = Family::kV4;
  for (int i = 0; i < 4; ++i) address.bytes[i] = static_cast<uint8_t>(host_order >> (24 - 8 * i));
  return address;
}

IpAddress IpAddress::v6(const std::array<uint8_t, 16>& bytes) {
  IpAddress address;
  address.family = Family::kV6;
  address.bytes = bytes;
  return address;
}

uint32_t IpAddress::v4_value() const { return family == Family::kV4 ? read_u32(bytes, 0) : 0; }

bool IpAddress::is_v4_mapped() const {
  return family == Family::kV6 && all_zero(bytes, 0, 10) && bytes[10] == 0xff && bytes[11] == 0xff;
}

bool IpAddress::is_unspecified() const {
  return all_zero(bytes, 0, family == Family::kV4 ? 4 : 16);
}

bool IpAddress::is_multicast_or_broadcast() const {
  if (family == Family::kV6) return bytes[0] == 0xff;
  return (bytes[0] & 0xf0) == 0xe0 || v4_value() == 0xffffffffu;
}

uint32_t IpAddress::interface_index() const {
  if (scope_id != 0 || zone.empty()) return scope_id;
  return if_nametoindex(zone.c_str());
}

std::string IpAddress::to_string() const {
  char buffer[64];
  if (family == Family::kV4) {
    std::snprintf(buffer, sizeof buffer, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
    return buffer;
  }
  std::string text;
  if (is_v4_mapped()) {
    std::snprintf(buffer, sizeof buffer, "::ffff:%u.%u.%u.%u", bytes[12], bytes[13], bytes[14],
                  bytes[15]);
    text = buffer;
  } else {
    uint16_t groups[8];
    for (int i = 0; i < 8; ++i)
      groups[i] = static_cast<uint16_t>(bytes[2 * i] << 8 | bytes[2 * i + 1]);
    // RFC 5952: the first longest run of two or more zero groups becomes "::".
    int best = -1, best_length = 1;
    for (int i = 0; i < 8;) {
      int j = i;
      while (j < 8 && groups[j] == 0) ++j;
      if (j - i > best_length) best = i, best_length = j - i;
      i = j == i ? i + 1 : j;
    }
    for (int i = 0; i < 8; ++i) {
      if (i == best) {
        text += "::";
        i += best_length - 1;
        continue;
      }
      if (!text.empty() && text.back() != ':') text += ':';
      std::snprintf(buffer, sizeof buffer, "%x", groups[i]);
      text += buffer;
    }
  }
  if (!zone.empty()) {
    // A zone that itself starts with "25" keeps its URL encoding, or it would read back shorter.
    text += zone.size() > 2 && zone.compare(0, 2, "25") == 0 ? "%25" : "%";
    text += zone;
  }
  return text;
}

std::optional<IpAddress> IpAddress::embedded_ipv4() const {
  if (family != Family::kV6) return std::nullopt;
  const auto& b = bytes;
  uint32_t last = read_u32(b, 12);
  if (is_v4_mapped()) return v4(last);
  // IPv4-translated (SIIT), ::ffff:0:a.b.c.d.
  if (all_zero(b, 0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)
    return v4(last);
  // IPv4-compatible (deprecated); :: and ::1 are themselves.
  if (all_zero(b, 0, 12) && last > 1) return v4(last);
  // NAT64: the well-known prefix and the local-use one.
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
    if (all_zero(b, 4, 12)) return v4(last);
    if (b[4] == 0x00 && b[5] == 0x01) return v4(last);
  }
  if (b[0] == 0x20 && b[1] == 0x02) return v4(read_u32(b, 2));
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) return v4(~last);
  return std::nullopt;
}

bool looks_numeric(std::string_view label) {
  if (label.size() >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X')) {
    label.remove_prefix(2);
    for (char c : label) {
      if (digit_value(c) < 0) return false;
    }
    return true;
  }
  if (label.empty()) return false;
  for (char c : label) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<IpAddress> parse_ip_literal(std::string_view text) {
  if (text.empty() || text.size() > kMaxLiteralLength) return std::nullopt;
  if (text.front() == '[') {
    if (text.size() < 2 || text.back() != ']') return std::nullopt;
    text = text.substr(1, text.size() - 2);
    if (text.empty() || text.front() == '[') return std::nullopt;
  }
  if (text.find(':') != std::string_view::npos) return parse_v6(text);
  return parse_v4(text);
}

}  // namespace eryx::net
