// The secrets of one sandbox: values the guest may use in HTTP request headers without ever
// seeing them. The guest holds a placeholder (make_placeholder) in their place; the host swaps it
// for the value in the bytes it sends (request_rewriter.h), and only on connections to the hosts
// the secret names.
//
// Guarantees:
// - A SecretSet is immutable once made and may be shared by threads and connections.
// - Error messages name a secret by its name and index, never by its value.
// - A value can never end a header line or start a new one: CR, LF, NUL and the other control
//   characters but HT are refused, so substituting it cannot inject headers or requests.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/host_pattern.h"

namespace eryx::secrets {

struct Secret {
  // An environment variable name: [A-Za-z_][A-Za-z0-9_]*, at most 256 characters, unique.
  std::string name;
  // 1 to 64 KiB bytes; no control characters but HT (it goes into a header value as it is).
  std::string value;
  // What the guest sees in place of the value: 16 to 256 characters of [A-Za-z0-9_-] (one from
  // make_placeholder). No placeholder of a set may contain another.
  std::string placeholder;
  // Host patterns (net/host_pattern.h) of the connections whose requests may carry the value.
  // Names only: an IP address or CIDR is refused, since a connection to a literal address never
  // receives a secret. Empty: the value is never sent (the caller resolves any fallback to the
  // NetConfig's names before making the Secret).
  std::vector<std::string> allowed_hosts;
};

class SecretSet {
 public:
  // Checks every secret and throws InvalidArgumentError naming the first problem, e.g.
  // "secrets[1] ('API_KEY'): allowed_hosts[0]: 'a*.com' is not a valid host pattern".
  static std::shared_ptr<const SecretSet> make(std::vector<Secret> secrets);

  const std::vector<Secret>& secrets() const { return secrets_; }
  bool empty() const { return secrets_.empty(); }

  // Indices (into secrets()) of the secrets whose allowed_hosts match `normalized_name`
  // (net::normalize_host_name); none for an empty name (a literal address).
  std::vector<size_t> allowed_for(std::string_view normalized_name) const;

 private:
  SecretSet() = default;

  std::vector<Secret> secrets_;
  std::vector<std::vector<net::HostPattern>> patterns_;  // one list per secret
};

// A fresh placeholder, "ERYX_SECRET_" and 32 lower-case hex digits: 128 bits from the OS's CSPRNG
// (getrandom), so one is never guessed nor repeated, and every placeholder has the same length
// whatever the value's. Throws std::system_error if the OS has no randomness to give.
std::string make_placeholder();

}  // namespace eryx::secrets
