// A hook on the bytes a guest sends: what src/secrets plugs into a sandbox's network to put secret
// values into requests, without the network layer knowing about secrets.
//
// Contract for a rewriter (one per connection, or per TLS session on it):
// - rewrite() consumes the whole chunk and returns the bytes to send in its place; the caller
//   sends all of them before taking more from the guest (a rewriter keeps parsing state, so a byte
//   may never be fed twice or skipped).
// - Once passing_through() is true, every further chunk would come back unchanged, so the caller
//   may send the guest's bytes directly.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace eryx::net {

class OutboundRewriter {
 public:
  virtual ~OutboundRewriter() = default;
  virtual std::string rewrite(std::span<const uint8_t> chunk) = 0;
  virtual bool passing_through() const = 0;
};

class OutboundFilter {
 public:
  virtual ~OutboundFilter() = default;
  // A rewriter for a connection the host made to every one of `target_names` (the checked names
  // the address was resolved for; empty for a literal address nobody resolved). Null when nothing
  // will ever be rewritten on it.
  virtual std::unique_ptr<OutboundRewriter> for_connection(
      std::span<const std::string> target_names) const = 0;
};

}  // namespace eryx::net
