// The trust of one sandbox's TLS clients: which roots verify a server's certificate.
//
// Guarantees:
// - Verification is always on (SSL_VERIFY_PEER); nothing here, nor anything the guest can reach,
// turns
//   it off. TLS 1.2 is the oldest version offered.
// - The roots are the system's (OpenSSL's default paths: Debian's ca-certificates) unless disabled,
//   plus the NetConfig root certificates. Every extra root is checked when the trust is made: a bad
//   one is an InvalidArgumentError naming it, never silently skipped (pyeryx ignored PEM roots).
// - One trust is shared, read-only, by every TLS client of a sandbox (or of several sandboxes with
//   the same roots) and may be used from several threads (OpenSSL's SSL_CTX is thread-safe once
//   configured).
// - Cheap until used: loading the system roots takes some 25 ms (Debian's bundle is parsed whole),
//   so the context is made at the first context() call, not by make(), and a sandbox that never
//   speaks TLS never pays it.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace eryx::net {

class TlsTrust {
 public:
  // `extra_roots`: each one certificate in DER, or PEM text with one or more CERTIFICATE blocks
  // (explanatory text before a block is allowed, as RFC 7468 says and as certifi's bundle has it;
  // anything after the last block, a block that is not a certificate, an empty or truncated block
  // is not). Throws eryx::InvalidArgumentError naming the item, counted from 1: "NetConfig root
  // certificate 2: neither a DER nor a PEM certificate (<OpenSSL's reason>)".
  static std::shared_ptr<const TlsTrust> make(bool system_roots,
                                              const std::vector<std::string>& extra_roots);

  ~TlsTrust();
  TlsTrust(const TlsTrust&) = delete;
  TlsTrust& operator=(const TlsTrust&) = delete;

  // The configured client context, made at the first call; SSL objects are made from it, it is
  // not to be changed. Throws eryx::Error if OpenSSL cannot make it (out of memory, or the system
  // roots cannot be read); a later call tries again.
  SSL_CTX* context() const;

 private:
  TlsTrust(bool system_roots, std::vector<X509*> roots)
      : system_roots_(system_roots), roots_(std::move(roots)) {}
  SSL_CTX* make_context() const;

  bool system_roots_;
  std::vector<X509*> roots_;  // owned
  mutable std::once_flag made_;
  mutable SSL_CTX* context_ = nullptr;
};

}  // namespace eryx::net
