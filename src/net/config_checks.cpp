#include "net/config_checks.h"

#include <string>

#include "eryx/errors.hpp"

namespace eryx::net {
namespace {

void check_range(const char* field, uint64_t value, uint64_t max) {
  if (value < 1 || value > max) {
    throw InvalidArgumentError(std::string("NetConfig.") + field + ": " + std::to_string(value) +
                               " is out of range (1 to " + std::to_string(max) + ")");
  }
}

bool looks_like_certificate(std::string_view cert) {
  if (cert.find("-----BEGIN") != std::string_view::npos) {
    size_t begin = cert.find("-----BEGIN CERTIFICATE-----");
    return begin != std::string_view::npos &&
           cert.find("-----END CERTIFICATE-----", begin) != std::string_view::npos;
  }
  // DER: a certificate is an ASN.1 SEQUENCE with a long-form length.
  return cert.size() >= 4 && static_cast<unsigned char>(cert[0]) == 0x30;
}

}  // namespace

void check_limits_and_certificates(const NetConfig& config) {
  check_range("max_connections", config.max_connections, kMaxConnectionsCeiling);
  check_range("connect_timeout_ms", config.connect_timeout_ms, kMaxTimeoutMs);
  check_range("io_timeout_ms", config.io_timeout_ms, kMaxTimeoutMs);
  for (size_t i = 0; i < config.root_certs.size(); ++i) {
    if (!looks_like_certificate(config.root_certs[i])) {
      throw InvalidArgumentError("NetConfig.root_certs[" + std::to_string(i) +
                                 "]: not a certificate (expected PEM with a CERTIFICATE block, "
                                 "or DER)");
    }
  }
}

}  // namespace eryx::net
