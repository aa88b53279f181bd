#include "secrets/secret_set.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <set>
#include <system_error>

#include "eryx/errors.hpp"
#include "net/cidr.h"
#include "net/ip_address.h"
#include "net/quote.h"

namespace eryx::secrets {
namespace {

constexpr size_t kMaxNameLength = 256;
constexpr size_t kMaxValueLength = 64 * 1024;
constexpr size_t kMinPlaceholderLength = 16;
constexpr size_t kMaxPlaceholderLength = 256;

bool is_alpha_or_underscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || !is_alpha_or_underscore(name[0])) {
    return false;
  }
  for (char c : name) {
    if (!is_alpha_or_underscore(c) && !is_digit(c)) return false;
  }
  return true;
}

bool valid_placeholder(std::string_view placeholder) {
  if (placeholder.size() < kMinPlaceholderLength || placeholder.size() > kMaxPlaceholderLength) {
    return false;
  }
  for (char c : placeholder) {
    if (!is_alpha_or_underscore(c) && !is_digit(c) && c != '-') return false;
  }
  return true;
}

// A byte a header value may carry (RFC 9110 field-vchar, SP, HT, obs-text).
bool header_value_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

// A pattern whose last label is a number ("10.0.0.*") denotes addresses, not names: the
// connection table passes no name for a literal address, so it could never match.
bool ends_in_number(const net::HostPattern& pattern) {
  std::string_view last = pattern.to_string();
  if (auto dot = last.rfind('.'); dot != std::string_view::npos) last.remove_prefix(dot + 1);
  for (char c : last) {
    if (!is_digit(c)) return false;
  }
  return true;
}

[[noreturn]] void refuse(size_t index, const Secret& secret, const std::string& why) {
  std::string who = "secrets[" + std::to_string(index) + "]";
  if (valid_name(secret.name)) who += " ('" + secret.name + "')";
  throw InvalidArgumentError(who + ": " + why);
}

}  // namespace

std::shared_ptr<const SecretSet> SecretSet::make(std::vector<Secret> secrets) {
  std::shared_ptr<SecretSet> set(new SecretSet());
  std::set<std::string, std::less<>> names;
  for (size_t i = 0; i < secrets.size(); ++i) {
    const Secret& secret = secrets[i];
    if (!valid_name(secret.name)) {
      refuse(i, secret,
             "the name " + net::quote(secret.name) +
                 " is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*, at most 256 "
                 "characters)");
    }
    if (!names.insert(secret.name).second) refuse(i, secret, "the name is used twice");
    if (secret.value.empty()) refuse(i, secret, "the value is empty");
    if (secret.value.size() > kMaxValueLength) refuse(i, secret, "the value is over 64 KiB");
    for (char c : secret.value) {
      if (!header_value_byte(static_cast<unsigned char>(c))) {
        refuse(i, secret,
               "the value holds a control character (CR, LF, NUL...), which cannot go into an "
               "HTTP header");
      }
    }
    if (!valid_placeholder(secret.placeholder)) {
      refuse(i, secret,
             "the placeholder " + net::quote(secret.placeholder) +
                 " is not 16 to 256 characters of [A-Za-z0-9_-]");
    }
    for (size_t j = 0; j < i; ++j) {
      const std::string& other = secrets[j].placeholder;
      if (other.find(secret.placeholder) != std::string::npos ||
          secret.placeholder.find(other) != std::string::npos) {
        refuse(i, secret,
               "the placeholder contains, or is part of, the placeholder of secrets[" +
                   std::to_string(j) + "]");
      }
    }
    std::vector<net::HostPattern> patterns;
    for (size_t k = 0; k < secret.allowed_hosts.size(); ++k) {
      const std::string& text = secret.allowed_hosts[k];
      std::string where = "allowed_hosts[" + std::to_string(k) + "]: " + net::quote(text);
      const char* address =
          " is an IP address or network; a secret is sent only on connections made to a host "
          "name";
      if (net::parse_ip_literal(text) || net::Cidr::parse(text)) refuse(i, secret, where + address);
      auto pattern = net::HostPattern::parse(text);
      if (!pattern) refuse(i, secret, where + " is not a valid host pattern");
      if (ends_in_number(*pattern)) refuse(i, secret, where + address);
      patterns.push_back(std::move(*pattern));
    }
    set->patterns_.push_back(std::move(patterns));
  }
  set->secrets_ = std::move(secrets);
  return set;
}

std::vector<size_t> SecretSet::allowed_for(std::string_view normalized_name) const {
  std::vector<size_t> allowed;
  if (normalized_name.empty()) return allowed;
  for (size_t i = 0; i < secrets_.size(); ++i) {
    for (const auto& pattern : patterns_[i]) {
      if (pattern.matches(normalized_name)) {
        allowed.push_back(i);
        break;
      }
    }
  }
  return allowed;
}

std::string make_placeholder() {
  uint8_t random[16];
  size_t done = 0;
  while (done < sizeof random) {
    ssize_t n = getrandom(random + done, sizeof random - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "eryx: getrandom");
    }
    done += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string placeholder = "ERYX_SECRET_";
  for (uint8_t byte : random) {
    placeholder += kHex[byte >> 4];
    placeholder += kHex[byte & 0xf];
  }
  return placeholder;
}

}  // namespace eryx::secrets
