// What a sandbox's secrets become once validated: the set with this sandbox's placeholders, the
// scrubber for everything that leaves, the switches of where it applies, and the network hook that
// puts values into requests. Made once per Sandbox or Session; immutable and shared afterwards.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "eryx/net.hpp"
#include "eryx/secrets.hpp"
#include "net/outbound_filter.h"
#include "secrets/scrubber.h"
#include "secrets/secret_set.h"

namespace eryx::secrets {

class SandboxSecrets {
 public:
  // Null when `secrets` is empty (nothing to substitute or scrub). Throws InvalidArgumentError
  // naming the secret for an invalid name, value or host pattern. A secret without allowed_hosts
  // takes the names among `network`'s allowed_hosts; without those it is never sent.
  static std::shared_ptr<const SandboxSecrets> make(const SecretMap& secrets,
                                                    const ScrubOptions& scrub,
                                                    const std::optional<NetConfig>& network);

  const SecretSet& set() const { return *set_; }
  // Redacts values (also as JSON escapes them) and placeholders.
  const Scrubber& scrubber() const { return *scrubber_; }
  const std::shared_ptr<const Scrubber>& shared_scrubber() const { return scrubber_; }
  // The network hook (SandboxNetwork::outbound).
  const std::shared_ptr<const net::OutboundFilter>& outbound() const { return outbound_; }
  // A Python statement that puts every placeholder into os.environ under its secret's name.
  const std::string& environment_code() const { return environment_code_; }

  std::string scrub(std::string_view text) const { return scrubber_->scrub(text); }

  bool scrub_stdout = true;
  bool scrub_stderr = true;
  bool scrub_result = false;
  bool scrub_files = true;
  bool scrub_callback_args = true;

 private:
  std::shared_ptr<const SecretSet> set_;
  std::shared_ptr<const Scrubber> scrubber_;
  std::shared_ptr<const net::OutboundFilter> outbound_;
  std::string environment_code_;
};

// `value` as json.dumps writes it inside a string: quotes, backslashes and control characters
// escaped and, with `ascii_only` (ensure_ascii, Python's default), everything past ASCII as \uXXXX
// (surrogate pairs above U+FFFF); without it (ensure_ascii=False, as the guest sends callback
// arguments) non-ASCII text stays as it is. nullopt for bytes that are not UTF-8.
std::optional<std::string> json_escaped(std::string_view value, bool ascii_only);
inline std::optional<std::string> json_ascii_escaped(std::string_view value) {
  return json_escaped(value, true);
}

}  // namespace eryx::secrets
