// The parts of NetConfig::validate that are not rules: limits and root certificates.
#pragma once

#include "eryx/net.hpp"

namespace eryx::net {

// Largest accepted values: a timeout above a day is a mistake (and would overflow a deadline
// computed from it), and every connection holds bounded host buffers.
inline constexpr uint32_t kMaxConnectionsCeiling = 1024;
inline constexpr uint64_t kMaxTimeoutMs = 24ull * 60 * 60 * 1000;

// Throws InvalidArgumentError naming the first limit out of range or root certificate that is
// neither PEM with a CERTIFICATE block nor DER (a SEQUENCE). The certificates are parsed fully when
// the TLS context is built.
void check_limits_and_certificates(const NetConfig& config);

}  // namespace eryx::net
