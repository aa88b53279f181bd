// The trust of one sandbox's TLS clients: which roots verify a server's certificate.
//
// Guarantees:
// - Verification is always on (SSL_VERIFY_PEER); nothing here, nor anything the guest can reach,
// turns
//   it off. TLS 1.2 is the oldest version offered.
// - The roots are the system's (OpenSSL's default paths: Debian's ca-certificates) unless disabled,
//   plus the NetConfig root certificates. Every extra root is checked when the trust is made: a bad
//   one is an InvalidArgumentError naming it, never silently skipped (pyeryx ignored PEM roots).
// - One trust is shared, read-only, by every TLS client of a sandbox and may be used from several
//   threads (OpenSSL's SSL_CTX is thread-safe once configured).
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <vector>

namespace eryx::net {

class TlsTrust {
 public:
  // `extra_roots`: each one certificate in DER, or PEM text with one or more CERTIFICATE blocks
  // (explanatory text before a block is allowed, as RFC 7468 says and as certifi's bundle has it;
  // anything after the last block, a block that is not a certificate, an empty or truncated block
  // is not). Throws eryx::InvalidArgumentError naming the item, counted from 1: "NetConfig root
  // certificate 2: neither a DER nor a PEM certificate (<OpenSSL's reason>)". Throws eryx::Error
  // if OpenSSL cannot make a context at all.
  static std::shared_ptr<const TlsTrust> make(bool system_roots,
                                              const std::vector<std::string>& extra_roots);

  ~TlsTrust();
  TlsTrust(const TlsTrust&) = delete;
  TlsTrust& operator=(const TlsTrust&) = delete;

  // The configured client context; SSL objects are made from it, it is not to be changed.
  SSL_CTX* context() const { return context_; }

 private:
  explicit TlsTrust(SSL_CTX* context) : context_(context) {}
  SSL_CTX* context_;
};

}  // namespace eryx::net
