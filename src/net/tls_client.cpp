#include "net/tls_client.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <system_error>

namespace eryx::net {

struct TlsClient::SocketState {
  int fd = -1;
  int last_errno = 0;  // of the last failed recv/send other than EAGAIN
  bool eof = false;    // recv returned 0
};

namespace {

using Json = nlohmann::ordered_json;  // keeps the keys in CPython's order

// OpenSSL's error queue is per thread: empty it on the way in (another caller may have left
// something) and on the way out (so nothing of this connection reaches the next one).
class ErrorQueueScope {
 public:
  ErrorQueueScope() { ERR_clear_error(); }
  ~ErrorQueueScope() { ERR_clear_error(); }
  ErrorQueueScope(const ErrorQueueScope&) = delete;
  ErrorQueueScope& operator=(const ErrorQueueScope&) = delete;
};

std::string openssl_reason(unsigned long code) {
  if (code == 0) return "unknown error";
  if (const char* reason = ERR_reason_error_string(code)) return reason;
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

// A BIO over a socket fd that never blocks and never raises SIGPIPE (OpenSSL's socket BIO uses
// write(), which does on a peer that has gone). The fd stays the caller's.
int socket_write(BIO* bio, const char* data, int size) {
  auto* state = static_cast<TlsClient::SocketState*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  ssize_t sent;
  do {
    sent = send(state->fd, data, static_cast<size_t>(size), MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      BIO_set_retry_write(bio);
    } else {
      state->last_errno = errno;
    }
    return -1;
  }
  return static_cast<int>(sent);
}

int socket_read(BIO* bio, char* data, int size) {
  auto* state = static_cast<TlsClient::SocketState*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  ssize_t received;
  do {
    received = recv(state->fd, data, static_cast<size_t>(size), MSG_DONTWAIT);
  } while (received < 0 && errno == EINTR);
  if (received < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      BIO_set_retry_read(bio);
    } else {
      state->last_errno = errno;
    }
    return -1;
  }
  if (received == 0) state->eof = true;
  return static_cast<int>(received);
}

long socket_ctrl(BIO* bio, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_EOF:  // lets OpenSSL tell an EOF without close_notify from a failed read
      return static_cast<TlsClient::SocketState*>(BIO_get_data(bio))->eof ? 1 : 0;
    default:
      return 0;
  }
}

int socket_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

// Made once, kept for the life of the process (OpenSSL's own methods are static too).
const BIO_METHOD* socket_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "eryx socket");
    if (made &&
        (BIO_meth_set_write(made, socket_write) != 1 || BIO_meth_set_read(made, socket_read) != 1 ||
         BIO_meth_set_ctrl(made, socket_ctrl) != 1 ||
         BIO_meth_set_create(made, socket_create) != 1)) {
      BIO_meth_free(made);
      made = nullptr;
    }
    return made;
  }();
  return method;
}

bool valid_dns_name(std::string_view name) {
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label > 0;
}

// `text` for a message: bytes outside printable ASCII as \xNN.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    }
  }
  return out;
}

bool valid_alpn(std::string_view wire) {
  if (wire.size() > 65535) return false;
  for (size_t i = 0; i < wire.size();) {
    size_t length = static_cast<uint8_t>(wire[i]);
    if (length == 0 || i + 1 + length > wire.size()) return false;
    i += 1 + length;
  }
  return true;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

std::string asn1_string(const ASN1_STRING* value) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<size_t>(ASN1_STRING_length(value)));
}

// CPython's _create_tuple_for_X509_NAME: the RDNs, each a list of (long name, value) pairs.
Json name_json(const X509_NAME* name) {
  Json rdns = Json::array();
  Json rdn = Json::array();
  int rdn_set = -1;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    if (X509_NAME_ENTRY_set(entry) != rdn_set && !rdn.empty()) {
      rdns.push_back(std::move(rdn));
      rdn = Json::array();
    }
    rdn_set = X509_NAME_ENTRY_set(entry);
    char field[256];
    int length = OBJ_obj2txt(field, sizeof field, X509_NAME_ENTRY_get_object(entry), 0);
    unsigned char* utf8 = nullptr;
    int utf8_length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    std::string value = utf8_length >= 0 ? std::string(reinterpret_cast<char*>(utf8),
                                                       static_cast<size_t>(utf8_length))
                                         : std::string();
    OPENSSL_free(utf8);
    rdn.push_back(
        Json::array({std::string(field, static_cast<size_t>(std::clamp(length, 0, 255))), value}));
  }
  if (!rdn.empty()) rdns.push_back(std::move(rdn));
  return rdns;
}

// CPython's _get_peer_alt_names entry for one GENERAL_NAME.
Json general_name_json(const GENERAL_NAME* name) {
  switch (name->type) {
    case GEN_DIRNAME:
      return Json::array({"DirName", name_json(name->d.directoryName)});
    case GEN_EMAIL:
      return Json::array({"email", asn1_string(name->d.rfc822Name)});
    case GEN_DNS:
      return Json::array({"DNS", asn1_string(name->d.dNSName)});
    case GEN_URI:
      return Json::array({"URI", asn1_string(name->d.uniformResourceIdentifier)});
    case GEN_RID: {
      char oid[256];
      int length = i2t_ASN1_OBJECT(oid, sizeof oid, name->d.registeredID);
      return Json::array(
          {"Registered ID", std::string(oid, static_cast<size_t>(std::clamp(length, 0, 255)))});
    }
    case GEN_IPADD: {
      const unsigned char* bytes = ASN1_STRING_get0_data(name->d.iPAddress);
      char text[64] = "<invalid>";
      if (ASN1_STRING_length(name->d.iPAddress) == 4) {
        std::snprintf(text, sizeof text, "%d.%d.%d.%d", bytes[0], bytes[1], bytes[2], bytes[3]);
      } else if (ASN1_STRING_length(name->d.iPAddress) == 16) {
        unsigned groups[8];
        for (int i = 0; i < 8; ++i) groups[i] = (bytes[2 * i] << 8) | bytes[2 * i + 1];
        std::snprintf(text, sizeof text, "%X:%X:%X:%X:%X:%X:%X:%X", groups[0], groups[1], groups[2],
                      groups[3], groups[4], groups[5], groups[6], groups[7]);
      }
      return Json::array({"IP Address", text});
    }
    default: {
      // othername, X400Name, EdiPartyName: OpenSSL's printed form split at its first ':', as
      // CPython does.
      std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
      if (!bio || GENERAL_NAME_print(bio.get(), const_cast<GENERAL_NAME*>(name)) <= 0) {
        return Json::array({"unknown", "<unsupported>"});
      }
      std::string text = bio_text(bio.get());
      text = text.substr(0, text.find('\n'));
      size_t colon = text.find(':');
      if (colon == std::string::npos) return Json::array({text, ""});
      return Json::array({text.substr(0, colon), text.substr(colon + 1)});
    }
  }
}

Json certificate_dict(X509* certificate) {
  Json result = Json::object();
  result["subject"] = name_json(X509_get_subject_name(certificate));
  result["issuer"] = name_json(X509_get_issuer_name(certificate));
  result["version"] = X509_get_version(certificate) + 1;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio) return result;
  i2a_ASN1_INTEGER(bio.get(), X509_get0_serialNumber(certificate));
  result["serialNumber"] = bio_text(bio.get());
  BIO_reset(bio.get());
  ASN1_TIME_print(bio.get(), X509_get0_notBefore(certificate));
  result["notBefore"] = bio_text(bio.get());
  BIO_reset(bio.get());
  ASN1_TIME_print(bio.get(), X509_get0_notAfter(certificate));
  result["notAfter"] = bio_text(bio.get());

  Json alt_names = Json::array();
  for (int i = -1; (i = X509_get_ext_by_NID(certificate, NID_subject_alt_name, i)) >= 0;) {
    auto* names = static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(X509_get_ext(certificate, i)));
    if (!names) continue;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      alt_names.push_back(general_name_json(sk_GENERAL_NAME_value(names, j)));
    }
    GENERAL_NAMES_free(names);
  }
  if (!alt_names.empty()) result["subjectAltName"] = std::move(alt_names);

  if (auto* access = static_cast<AUTHORITY_INFO_ACCESS*>(
          X509_get_ext_d2i(certificate, NID_info_access, nullptr, nullptr))) {
    Json ocsp = Json::array();
    Json ca_issuers = Json::array();
    for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(access); ++i) {
      const ACCESS_DESCRIPTION* description = sk_ACCESS_DESCRIPTION_value(access, i);
      if (description->location->type != GEN_URI) continue;
      std::string uri = asn1_string(description->location->d.uniformResourceIdentifier);
      int method = OBJ_obj2nid(description->method);
      if (method == NID_ad_OCSP) ocsp.push_back(uri);
      if (method == NID_ad_ca_issuers) ca_issuers.push_back(uri);
    }
    AUTHORITY_INFO_ACCESS_free(access);
    if (!ocsp.empty()) result["OCSP"] = std::move(ocsp);
    if (!ca_issuers.empty()) result["caIssuers"] = std::move(ca_issuers);
  }
  if (auto* points = static_cast<CRL_DIST_POINTS*>(
          X509_get_ext_d2i(certificate, NID_crl_distribution_points, nullptr, nullptr))) {
    Json uris = Json::array();
    for (int i = 0; i < sk_DIST_POINT_num(points); ++i) {
      const DIST_POINT* point = sk_DIST_POINT_value(points, i);
      if (!point->distpoint || point->distpoint->type != 0) continue;  // 0: fullName
      GENERAL_NAMES* names = point->distpoint->name.fullname;
      for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, j);
        if (name->type == GEN_URI) uris.push_back(asn1_string(name->d.uniformResourceIdentifier));
      }
    }
    CRL_DIST_POINTS_free(points);
    if (!uris.empty()) result["crlDistributionPoints"] = std::move(uris);
  }
  return result;
}

std::string der_of(X509* certificate) {
  int length = i2d_X509(certificate, nullptr);
  if (length <= 0) return {};
  std::string der(static_cast<size_t>(length), '\0');
  auto* cursor = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(certificate, &cursor);
  return der;
}

}  // namespace

std::string certificate_json(X509* certificate) {
  ErrorQueueScope scope;
  // A certificate's strings need not be valid UTF-8: replaced, as the guest decodes strictly.
  return certificate_dict(certificate).dump(-1, ' ', false, Json::error_handler_t::replace);
}

TlsClient::TlsClient(std::shared_ptr<const TlsTrust> trust, SSL* ssl, bool memory)
    : trust_(std::move(trust)), ssl_(ssl), memory_(memory) {}

TlsClient::~TlsClient() { SSL_free(ssl_); }

std::unique_ptr<TlsClient> TlsClient::over_socket(std::shared_ptr<const TlsTrust> trust, int fd,
                                                  std::string_view host, std::string_view alpn_wire,
                                                  std::string* error) {
  if (fd < 0) {
    *error = "TLS needs a connected socket";
    return nullptr;
  }
  return make(std::move(trust), fd, false, host, alpn_wire, error);
}

std::unique_ptr<TlsClient> TlsClient::over_memory(std::shared_ptr<const TlsTrust> trust,
                                                  std::string_view host, std::string_view alpn_wire,
                                                  std::string* error) {
  return make(std::move(trust), -1, true, host, alpn_wire, error);
}

std::unique_ptr<TlsClient> TlsClient::make(std::shared_ptr<const TlsTrust> trust, int fd,
                                           bool memory, std::string_view host,
                                           std::string_view alpn_wire, std::string* error) {
  ErrorQueueScope scope;
  auto fail = [error](std::string message) -> std::unique_ptr<TlsClient> {
    *error = std::move(message);
    return nullptr;
  };
  if (!trust) return fail("TLS needs a trust (root certificates)");
  if (host.ends_with('.')) host.remove_suffix(1);
  if (host.empty()) return fail("TLS needs the server's host name");
  if (host.size() > 253) return fail("the TLS host name is longer than 253 bytes");
  if (host.find('\0') != std::string_view::npos) return fail("the TLS host name has a NUL byte");
  std::string address(host);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  unsigned char scratch[16];
  bool is_ip = inet_pton(AF_INET, address.c_str(), scratch) == 1 ||
               inet_pton(AF_INET6, address.c_str(), scratch) == 1;
  if (!is_ip && !valid_dns_name(host)) {
    return fail("the TLS host name '" + printable(host) +
                "' is neither a DNS name (ASCII letters, digits, '-', '_' in dot-separated labels "
                "of 1 to 63; IDNA-encode others) nor an IP address");
  }
  if (alpn_wire.size() > 65535) {
    // TLS carries the list with a 16-bit length.
    return fail("the ALPN protocol list is too long (" + std::to_string(alpn_wire.size()) +
                " bytes; at most 65535)");
  }
  if (!valid_alpn(alpn_wire)) {
    return fail(
        "the ALPN protocol list is not in wire format (length-prefixed names of 1 to 255 "
        "bytes)");
  }
  SSL_CTX* context = nullptr;
  try {
    context = trust->context();
  } catch (const std::exception& failure) {
    return fail(failure.what());
  }
  SSL* ssl = SSL_new(context);
  if (!ssl) return fail("cannot start TLS: " + openssl_reason(ERR_peek_error()));
  std::unique_ptr<TlsClient> client(new TlsClient(std::move(trust), ssl, memory));
  client->host_ = is_ip ? address : std::string(host);
  if (memory) {
    client->incoming_ = BIO_new(BIO_s_mem());
    client->outgoing_ = BIO_new(BIO_s_mem());
    if (!client->incoming_ || !client->outgoing_) {
      BIO_free(client->incoming_);
      BIO_free(client->outgoing_);
      return fail("cannot start TLS: out of memory");
    }
    SSL_set_bio(ssl, client->incoming_, client->outgoing_);  // ssl owns them now
  } else {
    const BIO_METHOD* method = socket_method();
    BIO* bio = method ? BIO_new(method) : nullptr;
    if (!bio) return fail("cannot start TLS: " + openssl_reason(ERR_peek_error()));
    client->socket_ = std::make_unique<SocketState>();
    client->socket_->fd = fd;
    BIO_set_data(bio, client->socket_.get());
    SSL_set_bio(ssl, bio, bio);
  }
  SSL_set_connect_state(ssl);
  bool configured = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), address.c_str()) == 1
                          : SSL_set_tlsext_host_name(ssl, client->host_.c_str()) == 1 &&
                                SSL_set1_host(ssl, client->host_.c_str()) == 1;
  if (!configured) {
    return fail("cannot verify TLS for host '" + client->host_ +
                "': " + openssl_reason(ERR_peek_error()));
  }
  if (!alpn_wire.empty() &&
      SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(alpn_wire.data()),
                          static_cast<unsigned>(alpn_wire.size())) != 0) {  // 0 is success here
    return fail("cannot offer the ALPN protocols: " + openssl_reason(ERR_peek_error()));
  }
  return client;
}

TlsStatus TlsClient::failure(int result, const char* operation) {
  int code = SSL_get_error(ssl_, result);
  unsigned long first = ERR_peek_error();
  last_os_error_ = 0;
  switch (code) {
    case SSL_ERROR_WANT_READ:
      return TlsStatus::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return TlsStatus::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      closed_ = true;
      return TlsStatus::kClosed;
    default:
      break;
  }
  TlsStatus status = TlsStatus::kError;
  long verify = SSL_get_verify_result(ssl_);
  if (code == SSL_ERROR_SSL && ERR_GET_REASON(first) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
      verify != X509_V_OK) {
    status = TlsStatus::kCertError;
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH) {
      last_error_ = "certificate verify failed: Hostname mismatch, certificate is not valid for '" +
                    host_ + "'";
    } else if (verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      last_error_ =
          "certificate verify failed: IP address mismatch, certificate is not valid for '" + host_ +
          "'";
    } else {
      last_error_ = std::string("certificate verify failed: ") +
                    X509_verify_cert_error_string(verify) + " (host '" + host_ + "')";
    }
  } else if ((code == SSL_ERROR_SSL &&
              ERR_GET_REASON(first) == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
             (code == SSL_ERROR_SYSCALL && first == 0 && (!socket_ || socket_->last_errno == 0))) {
    status = TlsStatus::kEof;
    last_error_ = std::string(operation) + " failed: EOF occurred in violation of protocol";
  } else if (code == SSL_ERROR_SYSCALL && socket_ && socket_->last_errno != 0) {
    last_os_error_ = socket_->last_errno;
    last_error_ = std::string(operation) +
                  " failed: " + std::error_code(last_os_error_, std::generic_category()).message();
  } else {
    last_error_ = std::string(operation) + " failed: " + openssl_reason(first);
  }
  fatal_ = status;
  return status;
}

TlsStatus TlsClient::handshake() {
  ErrorQueueScope scope;
  if (fatal_ != TlsStatus::kOk) return fatal_;
  if (socket_) socket_->last_errno = 0;
  int result = SSL_do_handshake(ssl_);
  note_established();
  return result == 1 ? TlsStatus::kOk : failure(result, "TLS handshake");
}

TlsStatus TlsClient::read(std::span<uint8_t> out, size_t* done) {
  ErrorQueueScope scope;
  *done = 0;
  if (fatal_ != TlsStatus::kOk) return fatal_;
  if (closed_) return TlsStatus::kClosed;
  if (out.empty()) return TlsStatus::kOk;
  // Reading may make output (alerts, key updates): none while the guest does not drain.
  if (memory_ && pending_output() >= kMaxBufferedCiphertext) return TlsStatus::kWantWrite;
  if (socket_) socket_->last_errno = 0;
  while (*done < out.size()) {
    size_t got = 0;
    int result = SSL_read_ex(ssl_, out.data() + *done, out.size() - *done, &got);
    note_established();
    if (result == 1) {
      *done += got;
      continue;
    }
    // What ends the data is answered now if nothing was read, else by the next call (closed_
    // and fatal_ remember it; a "want" is met again).
    TlsStatus status = failure(result, "TLS read");
    return *done > 0 ? TlsStatus::kOk : status;
  }
  return TlsStatus::kOk;
}

TlsStatus TlsClient::write(std::span<const uint8_t> in, size_t* done) {
  ErrorQueueScope scope;
  *done = 0;
  if (fatal_ != TlsStatus::kOk) return fatal_;
  if (in.empty()) return TlsStatus::kOk;
  if (socket_) socket_->last_errno = 0;
  // With partial writes each SSL_write_ex takes one record; in memory mode stop adding records
  // once the guest has kMaxBufferedCiphertext to drain.
  while (*done < in.size()) {
    if (memory_ && pending_output() >= kMaxBufferedCiphertext) {
      return *done > 0 ? TlsStatus::kOk : TlsStatus::kWantWrite;
    }
    size_t wrote = 0;
    int result = SSL_write_ex(ssl_, in.data() + *done, in.size() - *done, &wrote);
    note_established();
    if (result == 1) {
      *done += wrote;
      continue;
    }
    TlsStatus status = failure(result, "TLS write");
    return *done > 0 ? TlsStatus::kOk : status;
  }
  return TlsStatus::kOk;
}

TlsStatus TlsClient::shutdown() {
  ErrorQueueScope scope;
  if (fatal_ != TlsStatus::kOk) return fatal_;
  // Nothing to close before the handshake (OpenSSL refuses to); once sent, calling SSL_shutdown
  // again would read from the peer, which is not ours to do here.
  if (shutdown_sent_ || !SSL_is_init_finished(ssl_)) return TlsStatus::kOk;
  if (socket_) socket_->last_errno = 0;
  int result = SSL_shutdown(ssl_);
  if (result >= 0) {
    shutdown_sent_ = true;
    return TlsStatus::kOk;
  }
  return failure(result, "TLS shutdown");
}

bool TlsClient::has_pending() const {
  return SSL_pending(ssl_) > 0 || closed_ || fatal_ != TlsStatus::kOk;
}

// Remembered: OpenSSL's own state leaves "init finished" once the peer's close_notify is read, but
// the session's details (certificate, ALPN, version) stay valid, as CPython answers them then.
void TlsClient::note_established() {
  if (!established_ && SSL_is_init_finished(ssl_) == 1) established_ = true;
}

bool TlsClient::handshake_done() const { return established_ || SSL_is_init_finished(ssl_) == 1; }

size_t TlsClient::feed(std::span<const uint8_t> data, bool eof) {
  if (!memory_ || fed_eof_) return 0;
  ErrorQueueScope scope;
  size_t held = BIO_ctrl_pending(incoming_);
  size_t take =
      std::min(data.size(), held >= kMaxBufferedCiphertext ? 0 : kMaxBufferedCiphertext - held);
  if (take > 0 &&
      BIO_write(incoming_, data.data(), static_cast<int>(take)) != static_cast<int>(take)) {
    return 0;
  }
  if (eof && take == data.size()) {
    BIO_set_mem_eof_return(incoming_, 0);  // an empty buffer now reads as EOF, not "retry"
    fed_eof_ = true;
  }
  return take;
}

size_t TlsClient::drain(std::span<uint8_t> out) {
  if (!memory_ || out.empty()) return 0;
  ErrorQueueScope scope;
  int size = static_cast<int>(std::min<size_t>(out.size(), INT_MAX));
  int got = BIO_read(outgoing_, out.data(), size);
  return got > 0 ? static_cast<size_t>(got) : 0;
}

size_t TlsClient::pending_output() const { return memory_ ? BIO_ctrl_pending(outgoing_) : 0; }

std::string TlsClient::peer_certificate_der() const {
  ErrorQueueScope scope;
  X509* certificate = handshake_done() ? SSL_get0_peer_certificate(ssl_) : nullptr;
  return certificate ? der_of(certificate) : std::string();
}

std::string TlsClient::peer_certificate_json() const {
  ErrorQueueScope scope;
  X509* certificate = handshake_done() ? SSL_get0_peer_certificate(ssl_) : nullptr;
  if (!certificate) return "{}";
  return certificate_json(certificate);
}

std::vector<std::string> TlsClient::peer_chain_der() const {
  ErrorQueueScope scope;
  std::vector<std::string> chain;
  STACK_OF(X509)* verified = handshake_done() ? SSL_get0_verified_chain(ssl_) : nullptr;
  for (int i = 0; verified && i < sk_X509_num(verified); ++i) {
    chain.push_back(der_of(sk_X509_value(verified, i)));
  }
  return chain;
}

std::string TlsClient::version() const {
  return handshake_done() ? SSL_get_version(ssl_) : std::string();
}

std::string TlsClient::alpn() const {
  const unsigned char* protocol = nullptr;
  unsigned length = 0;
  SSL_get0_alpn_selected(ssl_, &protocol, &length);
  return protocol ? std::string(reinterpret_cast<const char*>(protocol), length) : std::string();
}

std::string TlsClient::cipher() const {
  const SSL_CIPHER* current = handshake_done() ? SSL_get_current_cipher(ssl_) : nullptr;
  if (!current) return {};
  return std::string(SSL_CIPHER_get_name(current)) + " " + SSL_CIPHER_get_version(current) + " " +
         std::to_string(SSL_CIPHER_get_bits(current, nullptr));
}

}  // namespace eryx::net
