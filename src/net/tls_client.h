// A TLS client of the sandbox's networking: the host does the guest's TLS (its `ssl` module is a
// shim over the net_tls_* imports), over a connected socket or over memory buffers the guest fills.
//
// Guarantees:
// - Never blocks: socket mode works over a non-blocking fd (and passes MSG_DONTWAIT anyway), and
//   every "not now" of OpenSSL is kWantRead / kWantWrite; the caller waits with poll. Writes use
//   MSG_NOSIGNAL: a peer that went away is an error, never a SIGPIPE in the host.
// - Verification always: the certificate chain against the TlsTrust, and the host name (a DNS
//   name, also sent as SNI) or IP literal (checked against the certificate's IP addresses).
// - Bounded: memory mode holds at most kMaxBufferedCiphertext of received ciphertext, and write()
//   adds output only while less than that waits to be drained (one record, 16 KiB and a little,
//   may pass it). OpenSSL bounds what the peer can make it hold (records, certificate lists).
// - OpenSSL's thread-local error queue is empty after every call, so one connection's error never
//   shows up in another's message. A TlsClient is used by one thread at a time.
//
// For the caller: a poll on a socket-mode client is readable when has_pending() or its fd is
// readable (OpenSSL reads one record at a time, no read-ahead, so the fd tells the truth).
// kEof/kError/kCertError are final: every later call answers the same. Statuses map onto the
// guest ABI as kWantRead -> ERYX_NET_WOULD_BLOCK, kWantWrite -> ERYX_NET_WANT_WRITE, kClosed -> 0
// bytes, kEof -> ERYX_NET_TLS_EOF, kCertError -> ERYX_NET_CERT_ERROR, kError -> ERYX_NET_RESET
// when last_os_error() is ECONNRESET/EPIPE, ERYX_NET_IO_ERROR for another last_os_error(), else
// ERYX_NET_TLS_ERROR.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/tls_trust.h"

namespace eryx::net {

enum class [[nodiscard]] TlsStatus {
  kOk,
  kWantRead,   // call again when the socket is readable (memory mode: after feed())
  kWantWrite,  // call again when the socket is writable (memory mode: after drain())
  kClosed,     // the peer's close_notify: a clean end of stream
  kEof,        // the transport ended without close_notify (ssl.SSLEOFError)
  kError,      // a TLS or transport failure; last_error() says which
  kCertError,  // the peer's certificate failed verification; last_error() says why
};

class TlsClient {
 public:
  static constexpr size_t kMaxBufferedCiphertext = 256 * 1024;

  // `host`: a DNS name (sent as SNI, verified with SSL_set1_host) or an IP literal (IPv4, or IPv6
  // with or without brackets; no SNI, verified against the certificate's IP addresses). One
  // trailing dot of a name is dropped. `alpn_wire`: the protocols offered, in wire format
  // (length-prefixed names; empty for none). Returns nullptr with *error set when an argument is
  // malformed or OpenSSL fails. over_socket: `fd` is a connected socket the caller keeps owning
  // and closes after destroying the client.
  static std::unique_ptr<TlsClient> over_socket(std::shared_ptr<const TlsTrust> trust, int fd,
                                                std::string_view host, std::string_view alpn_wire,
                                                std::string* error);
  static std::unique_ptr<TlsClient> over_memory(std::shared_ptr<const TlsTrust> trust,
                                                std::string_view host, std::string_view alpn_wire,
                                                std::string* error);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // Advances the handshake; kOk once it is done (then again at every call).
  TlsStatus handshake();
  // Plaintext. read: kOk with *done > 0 bytes (or 0 when `out` is empty); a close or error that
  // follows data already read is answered by the next call. write: kOk with *done > 0 bytes taken
  // (or 0 when `in` is empty); after kWantWrite, or kOk with *done < in.size(), the caller must
  // offer the bytes not taken again, unchanged (OpenSSL has encrypted part of them already), as
  // with CPython's SSLSocket.send. Both run the handshake first if it is not done.
  TlsStatus read(std::span<uint8_t> out, size_t* done);
  TlsStatus write(std::span<const uint8_t> in, size_t* done);
  // Sends close_notify (memory mode: queues it for drain()); does not wait for the peer's.
  // kOk without sending anything before the handshake is done.
  TlsStatus shutdown();
  // Decrypted bytes (or a close already seen) that read() answers without the transport: a poll
  // must report the client readable even when its socket is not.
  bool has_pending() const;
  bool handshake_done() const;

  // Memory mode only (socket mode: 0). feed: ciphertext received by the guest; returns how much
  // was taken (all, unless kMaxBufferedCiphertext would be passed). `eof`: the transport ended
  // after these bytes (applies only once all of them were taken; nothing is taken after it).
  [[nodiscard]] size_t feed(std::span<const uint8_t> data, bool eof);
  // Ciphertext to send, at most out.size() bytes; 0 when none.
  [[nodiscard]] size_t drain(std::span<uint8_t> out);
  size_t pending_output() const;

  // After the handshake (empty before).
  std::string peer_certificate_der() const;
  // The dict CPython's SSLSocket.getpeercert() returns, as JSON ("{}" before the handshake).
  std::string peer_certificate_json() const;
  // The verified chain, leaf first, up to the trusted root.
  std::vector<std::string> peer_chain_der() const;
  std::string version() const;  // "TLSv1.3"
  std::string alpn() const;     // the selected protocol, "" when none
  std::string cipher() const;   // "TLS_AES_256_GCM_SHA384 TLSv1.3 256"

  // A sentence describing the last kError, kCertError or kEof, e.g. "certificate verify failed:
  // self-signed certificate (host 'localhost')".
  const std::string& last_error() const { return last_error_; }
  // The errno of the last transport failure in socket mode (ECONNRESET, EPIPE, ...), 0 when the
  // last failure was not one: lets the caller raise ConnectionResetError rather than SSLError.
  int last_os_error() const { return last_os_error_; }

  struct SocketState;  // what the socket BIO works on (public for its callbacks)

 private:
  TlsClient(std::shared_ptr<const TlsTrust> trust, SSL* ssl, bool memory);
  static std::unique_ptr<TlsClient> make(std::shared_ptr<const TlsTrust> trust, int fd, bool memory,
                                         std::string_view host, std::string_view alpn_wire,
                                         std::string* error);
  // The status of a failed SSL_* call `result`, with last_error_ set from `operation`.
  TlsStatus failure(int result, const char* operation);

  std::shared_ptr<const TlsTrust> trust_;
  SSL* ssl_;
  void note_established();

  bool memory_;
  bool established_ = false;  // the handshake completed once
  BIO* incoming_ = nullptr;   // memory mode: owned by ssl_
  BIO* outgoing_ = nullptr;
  bool fed_eof_ = false;
  bool closed_ = false;         // close_notify received: every later read() answers kClosed
  bool shutdown_sent_ = false;  // our close_notify went out (or is queued)
  // kEof, kError or kCertError once one happened: every later call answers it (OpenSSL forbids
  // going on after a fatal error).
  TlsStatus fatal_ = TlsStatus::kOk;
  std::string host_;
  std::string last_error_;
  int last_os_error_ = 0;
  std::unique_ptr<SocketState> socket_;  // socket mode only
};

// The dict CPython's _ssl module makes of a certificate (getpeercert(), _test_decode_cert), as
// JSON: subject, issuer, version, serialNumber, notBefore, notAfter, and subjectAltName, OCSP,
// caIssuers, crlDistributionPoints when the certificate has them. Tuples become arrays.
std::string certificate_json(X509* certificate);

}  // namespace eryx::net
