// eryx::net::TlsTrust and TlsClient against real OpenSSL servers on 127.0.0.1. The certificates
// (a CA, a second CA, leaves good, expired, for another name and self-signed) are made here at
// test time; each server serves one connection in a thread and ends by itself. Every wait has a
// timeout, and nothing but 127.0.0.1 is contacted.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "eryx/errors.hpp"
#include "net/tls_client.h"
#include "net/tls_trust.h"

namespace {

using eryx::net::TlsClient;
using eryx::net::TlsStatus;
using eryx::net::TlsTrust;
using Clock = std::chrono::steady_clock;

constexpr int kWaitMs = 10000;  // the longest any single wait of these tests may take
constexpr auto kTestDeadline = std::chrono::seconds(20);

// ---- certificates, made at test time -------------------------------------------------------

struct Identity {
  std::shared_ptr<EVP_PKEY> key;
  std::shared_ptr<X509> cert;
};

struct CertSpec {
  std::string common_name;
  std::string alt_names;  // subjectAltName value; empty: none
  bool ca = false;
  long not_before_s = -3600;
  long not_after_s = 30L * 86400;
  bool access_info = false;  // OCSP, caIssuers and CRL addresses (never contacted)
};

CertSpec ca_spec(std::string common_name) {
  return {std::move(common_name), "", true, -3600, 30L * 86400, false};
}

CertSpec leaf_spec(std::string common_name, std::string alt_names) {
  return {std::move(common_name), std::move(alt_names), false, -3600, 30L * 86400, false};
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (!extension || X509_add_ext(cert, extension, -1) != 1) {
    throw std::runtime_error("cannot add extension " + value);
  }
  X509_EXTENSION_free(extension);
}

// Signed by `issuer`, or self-signed when it is null.
Identity make_identity(const CertSpec& spec, const Identity* issuer) {
  Identity identity;
  identity.key.reset(EVP_EC_gen("P-256"), EVP_PKEY_free);
  identity.cert.reset(X509_new(), X509_free);
  X509* cert = identity.cert.get();
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
  BN_rand(serial.get(), 120, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
  BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert));
  X509_set_version(cert, X509_VERSION_3);
  X509_gmtime_adj(X509_getm_notBefore(cert), spec.not_before_s);
  X509_gmtime_adj(X509_getm_notAfter(cert), spec.not_after_s);
  X509_NAME* name = X509_get_subject_name(cert);
  auto add_name = [name](const char* field, const std::string& value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  add_name("C", "NL");
  add_name("O", "Eryx Tests");
  add_name("CN", spec.common_name);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer->cert.get()) : name);
  X509_set_pubkey(cert, identity.key.get());
  X509* issuer_cert = issuer ? issuer->cert.get() : cert;
  if (spec.ca) {
    add_extension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert, issuer_cert, NID_key_usage, "critical,digitalSignature");
    add_extension(cert, issuer_cert, NID_ext_key_usage, "serverAuth");
  }
  add_extension(cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer) add_extension(cert, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (!spec.alt_names.empty()) {
    add_extension(cert, issuer_cert, NID_subject_alt_name, spec.alt_names);
  }
  if (spec.access_info) {
    add_extension(cert, issuer_cert, NID_info_access,
                  "OCSP;URI:http://ocsp.eryx.test/,caIssuers;URI:http://ca.eryx.test/ca.der");
    add_extension(cert, issuer_cert, NID_crl_distribution_points,
                  "URI:http://crl.eryx.test/ca.crl");
  }
  EVP_PKEY* signer = issuer ? issuer->key.get() : identity.key.get();
  if (X509_sign(cert, signer, EVP_sha256()) == 0) throw std::runtime_error("cannot sign");
  return identity;
}

std::string der(const Identity& identity) {
  int length = i2d_X509(identity.cert.get(), nullptr);
  std::string out(static_cast<size_t>(length), '\0');
  auto* cursor = reinterpret_cast<unsigned char*>(out.data());
  i2d_X509(identity.cert.get(), &cursor);
  return out;
}

std::string pem(const Identity& identity) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), identity.cert.get());
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

const std::string kLocalNames = "DNS:localhost,IP:127.0.0.1";

struct Pki {
  Identity ca = make_identity(ca_spec("Eryx Test CA"), nullptr);
  Identity other_ca = make_identity(ca_spec("Eryx Other CA"), nullptr);
  Identity leaf = make_identity(
      [] {
        CertSpec spec = leaf_spec("localhost", kLocalNames);
        spec.access_info = true;
        return spec;
      }(),
      &ca);
  Identity expired = make_identity(
      [] {
        CertSpec spec = leaf_spec("localhost", kLocalNames);
        spec.not_before_s = -2 * 86400;
        spec.not_after_s = -86400;
        return spec;
      }(),
      &ca);
  Identity wrong_name = make_identity(leaf_spec("wrong.test", "DNS:wrong.test"), &ca);
  Identity self_signed = make_identity(leaf_spec("localhost", kLocalNames), nullptr);
  Identity other_leaf = make_identity(leaf_spec("localhost", kLocalNames), &other_ca);
  Identity wildcard = make_identity(leaf_spec("*.eryx.test", "DNS:*.eryx.test"), &ca);
  Identity partial_wildcard = make_identity(leaf_spec("f*.eryx.test", "DNS:f*.eryx.test"), &ca);
};

const Pki& pki() {
  static const Pki* made = new Pki();  // made once; lives as long as the test process
  return *made;
}

std::shared_ptr<const TlsTrust> trust_in(const Identity& root) {
  return TlsTrust::make(false, {der(root)});
}

// ---- a real TLS server on 127.0.0.1 that serves one connection -------------------------------

struct ServerOptions {
  const Identity* identity = nullptr;
  // Runs after a successful handshake; the server closes the socket after it (without
  // close_notify unless `serve` sent one).
  std::function<void(SSL*, int fd)> serve;
  std::vector<std::string> alpn;  // in the server's order of preference
  int max_version = 0;            // 0: OpenSSL's default
};

int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length,
                const unsigned char* offered, unsigned offered_length, void* arg) {
  const auto* preference = static_cast<const std::string*>(arg);
  unsigned char* chosen = nullptr;
  int result = SSL_select_next_proto(
      &chosen, out_length, reinterpret_cast<const unsigned char*>(preference->data()),
      static_cast<unsigned>(preference->size()), offered, offered_length);
  *out = chosen;
  return result == OPENSSL_NPN_NEGOTIATED ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

class TlsServer {
 public:
  explicit TlsServer(const Identity& identity, std::function<void(SSL*, int fd)> serve = {},
                     std::vector<std::string> alpn = {}, int max_version = 0)
      : options_{&identity, std::move(serve), std::move(alpn), max_version} {
    for (const auto& protocol : options_.alpn) {
      alpn_wire_ += static_cast<char>(protocol.size());
      alpn_wire_ += protocol;
    }
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener_, 1) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TlsServer() {
    join();
    close(listener_);
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return port_; }
  // After join(): whether the handshake succeeded, and the SNI name the client sent.
  bool handshake_ok() const { return handshake_ok_; }
  const std::string& server_name() const { return server_name_; }

 private:
  void run() {
    // The server writes with OpenSSL's socket BIO (write()), which raises SIGPIPE when the client
    // has gone; blocked in this thread it is an EPIPE only. The client under test needs no such
    // help: its writes must never raise it.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    pollfd waiting{listener_, POLLIN, 0};
    if (poll(&waiting, 1, kWaitMs) != 1) return;  // no client came
    int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    timeval timeout{kWaitMs / 1000, 0};  // the server's own reads and writes end too
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    SSL_CTX* context = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(context, options_.identity->cert.get());
    SSL_CTX_use_PrivateKey(context, options_.identity->key.get());
    if (options_.max_version) SSL_CTX_set_max_proto_version(context, options_.max_version);
    if (options_.max_version && options_.max_version < TLS1_2_VERSION) {
      SSL_CTX_set_security_level(context, 0);  // Debian's default would refuse to offer it
      SSL_CTX_set_min_proto_version(context, options_.max_version);
    }
    if (!alpn_wire_.empty()) SSL_CTX_set_alpn_select_cb(context, select_alpn, &alpn_wire_);
    SSL* ssl = SSL_new(context);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      handshake_ok_ = true;
      const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
      server_name_ = name ? name : "";
      if (options_.serve) options_.serve(ssl, fd);
    }
    close(fd);
    SSL_free(ssl);
    SSL_CTX_free(context);
    ERR_clear_error();
  }

  ServerOptions options_;
  std::string alpn_wire_;
  int listener_ = -1;
  uint16_t port_ = 0;
  bool handshake_ok_ = false;
  std::string server_name_;
  std::thread thread_;
};

// Server behaviours.
void send_and_close_notify(SSL* ssl, int) {
  SSL_write(ssl, "bye", 3);
  SSL_shutdown(ssl);
}

void send_and_drop(SSL* ssl, int) { SSL_write(ssl, "bye", 3); }

// Echoes until `total` bytes went back, then sends close_notify.
std::function<void(SSL*, int)> echo(size_t total) {
  return [total](SSL* ssl, int) {
    std::vector<char> buffer(16384);
    for (size_t echoed = 0; echoed < total;) {
      int got = SSL_read(ssl, buffer.data(), static_cast<int>(buffer.size()));
      if (got <= 0 || SSL_write(ssl, buffer.data(), got) != got) return;
      echoed += static_cast<size_t>(got);
    }
    SSL_shutdown(ssl);
  };
}

// Reads one HTTP request head and answers it.
void answer_http(SSL* ssl, int) {
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    int got = SSL_read(ssl, buffer, sizeof buffer);
    if (got <= 0) return;
    request.append(buffer, static_cast<size_t>(got));
  }
  std::string response = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  if (request.starts_with("GET /hello ")) SSL_write(ssl, response.data(), response.size());
  SSL_shutdown(ssl);
}

// ---- the client side -------------------------------------------------------------------------

struct Fd {
  int fd = -1;
  explicit Fd(int value) : fd(value) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("cannot connect to 127.0.0.1");
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

bool wait_for(int fd, short events) {
  pollfd entry{fd, events, 0};
  return poll(&entry, 1, kWaitMs) == 1;
}

// Repeats `step` while it wants the socket, waiting (bounded) as the caller of TlsClient does.
TlsStatus drive(int fd, const std::function<TlsStatus()>& step) {
  auto deadline = Clock::now() + kTestDeadline;
  for (;;) {
    TlsStatus status = step();
    if (Clock::now() > deadline) return status;
    if (status == TlsStatus::kWantRead) {
      if (!wait_for(fd, POLLIN)) return status;
    } else if (status == TlsStatus::kWantWrite) {
      if (!wait_for(fd, POLLOUT)) return status;
    } else {
      return status;
    }
  }
}

struct Connection {
  Fd fd;
  std::unique_ptr<TlsClient> client;
  TlsStatus handshake = TlsStatus::kError;

  Connection(uint16_t port, std::shared_ptr<const TlsTrust> trust, std::string_view host,
             std::string_view alpn = "")
      : fd(connect_to(port)) {
    std::string error;
    client = TlsClient::over_socket(std::move(trust), fd.fd, host, alpn, &error);
    if (!client) throw std::runtime_error(error);
    handshake = drive(fd.fd, [this] { return client->handshake(); });
  }

  // Reads until the stream ends; *end says how.
  std::string read_all(TlsStatus* end) {
    std::string data;
    uint8_t buffer[4096];
    *end = drive(fd.fd, [&] {
      size_t got = 0;
      TlsStatus status = client->read(buffer, &got);
      data.append(reinterpret_cast<char*>(buffer), got);
      return status == TlsStatus::kOk ? TlsStatus::kWantRead : status;
    });
    return data;
  }
};

std::span<const uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// ---- TlsTrust ----------------------------------------------------------------------------------

std::string trust_error(const std::vector<std::string>& roots) {
  try {
    TlsTrust::make(false, roots);
  } catch (const eryx::InvalidArgumentError& error) {
    EXPECT_EQ(ERR_peek_error(), 0u) << "OpenSSL's error queue was left behind";
    return error.what();
  }
  return "(accepted)";
}

TEST(TlsTrust, GarbageIsNeitherDerNorPem) {
  EXPECT_TRUE(
      trust_error({"hello, world"})
          .starts_with("NetConfig root certificate 1: neither a DER nor a PEM certificate ("))
      << trust_error({"hello, world"});
}

TEST(TlsTrust, EmptyRootIsRejected) {
  EXPECT_EQ(trust_error({""}), "NetConfig root certificate 1: empty");
  EXPECT_EQ(trust_error({" \n"}), "NetConfig root certificate 1: empty");
}

TEST(TlsTrust, EmptyPemBlockIsRejected) {
  std::string message = trust_error({"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"});
  EXPECT_TRUE(message.starts_with("NetConfig root certificate 1: its PEM block 1 is not"))
      << message;
}

TEST(TlsTrust, TruncatedDerIsRejected) {
  std::string whole = der(pki().ca);
  std::string message = trust_error({whole.substr(0, whole.size() / 2)});
  EXPECT_TRUE(message.starts_with("NetConfig root certificate 1: neither a DER nor a PEM"))
      << message;
}

TEST(TlsTrust, BytesAfterDerAreRejected) {
  std::string message = trust_error({der(pki().ca) + "xx"});
  EXPECT_NE(message.find("2 bytes after the certificate"), std::string::npos) << message;
}

TEST(TlsTrust, TruncatedPemIsRejected) {
  std::string whole = pem(pki().ca);
  std::string message = trust_error({whole.substr(0, whole.find("-----END"))});
  EXPECT_EQ(
      message,
      "NetConfig root certificate 1: its PEM block 1 (CERTIFICATE) is truncated: no END line");
}

TEST(TlsTrust, PemWithABrokenBodyIsRejected) {
  std::string whole = pem(pki().ca);
  whole.erase(40, 20);  // inside the base64 body
  std::string message = trust_error({whole});
  EXPECT_TRUE(message.starts_with("NetConfig root certificate 1: its PEM block 1 is not"))
      << message;
}

TEST(TlsTrust, TextAfterTheLastPemBlockIsRejected) {
  EXPECT_EQ(trust_error({pem(pki().ca) + "garbage\n"}),
            "NetConfig root certificate 1: text after its last PEM block");
}

TEST(TlsTrust, PemBlockOfAnotherKindIsRejected) {
  std::string key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  EXPECT_EQ(trust_error({pem(pki().ca) + key}),
            "NetConfig root certificate 1: its PEM block 2 is a PRIVATE KEY, not a CERTIFICATE");
}

TEST(TlsTrust, BadRootIsNamedByItsPosition) {
  std::string message = trust_error({der(pki().ca), pem(pki().other_ca), "junk"});
  EXPECT_TRUE(message.starts_with("NetConfig root certificate 3: ")) << message;
}

TEST(TlsTrust, ExplanatoryTextBeforeAPemBlockIsAllowed) {
  // certifi's bundle has "# Issuer: ..." lines before each block.
  EXPECT_NO_THROW(TlsTrust::make(false, {"# Issuer: CN=Eryx Test CA\n" + pem(pki().ca)}));
}

TEST(TlsTrust, ContextIsMadeOnceAndSharedByItsClients) {
  auto trust = trust_in(pki().ca);
  SSL_CTX* context = trust->context();
  ASSERT_NE(context, nullptr);
  EXPECT_EQ(trust->context(), context);
  EXPECT_EQ(SSL_CTX_get_verify_mode(context), SSL_VERIFY_PEER);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(context), TLS1_2_VERSION);
}

// ---- verification ------------------------------------------------------------------------------

TEST(TlsClient, HandshakeSucceedsWithTheCaAsDer) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), TlsTrust::make(false, {der(pki().ca)}), "localhost");
  EXPECT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  EXPECT_TRUE(connection.client->handshake_done());
}

TEST(TlsClient, HandshakeSucceedsWithTheCaAsPem) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), TlsTrust::make(false, {pem(pki().ca)}), "localhost");
  EXPECT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
}

TEST(TlsClient, PemBundleOfTwoCasTrustsBoth) {
  auto trust = TlsTrust::make(false, {pem(pki().ca) + pem(pki().other_ca)});
  for (const Identity* identity : {&pki().leaf, &pki().other_leaf}) {
    TlsServer server(*identity);
    Connection connection(server.port(), trust, "localhost");
    EXPECT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  }
}

TEST(TlsClient, UnknownCaIsACertificateError) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), trust_in(pki().other_ca), "localhost");
  EXPECT_EQ(connection.handshake, TlsStatus::kCertError);
  EXPECT_EQ(connection.client->last_error(),
            "certificate verify failed: unable to get local issuer certificate (host 'localhost')");
  EXPECT_EQ(ERR_peek_error(), 0u) << "OpenSSL's error queue was left behind";
  EXPECT_FALSE(connection.client->handshake_done());
}

TEST(TlsClient, SelfSignedCertificateIsACertificateError) {
  TlsServer server(pki().self_signed);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  EXPECT_EQ(connection.handshake, TlsStatus::kCertError);
  EXPECT_EQ(connection.client->last_error(),
            "certificate verify failed: self-signed certificate (host 'localhost')");
}

TEST(TlsClient, CertificateForAnotherNameIsACertificateError) {
  TlsServer server(pki().wrong_name);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  EXPECT_EQ(connection.handshake, TlsStatus::kCertError);
  EXPECT_EQ(connection.client->last_error(),
            "certificate verify failed: Hostname mismatch, certificate is not valid for "
            "'localhost'");
}

TEST(TlsClient, AskingForAnotherNameIsACertificateError) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), trust_in(pki().ca), "wrong.test");
  EXPECT_EQ(connection.handshake, TlsStatus::kCertError);
  EXPECT_EQ(connection.client->last_error(),
            "certificate verify failed: Hostname mismatch, certificate is not valid for "
            "'wrong.test'");
}

// The host name is only checked against the certificate, never resolved: these connect to
// 127.0.0.1 whatever name they verify.
TlsStatus handshake_as(const Identity& identity, std::string_view host) {
  TlsServer server(identity);
  Connection connection(server.port(), trust_in(pki().ca), host);
  return connection.handshake;
}

TEST(TlsClient, WildcardCoversExactlyOneLabel) {
  EXPECT_EQ(handshake_as(pki().wildcard, "a.eryx.test"), TlsStatus::kOk);
  EXPECT_EQ(handshake_as(pki().wildcard, "eryx.test"), TlsStatus::kCertError);
  EXPECT_EQ(handshake_as(pki().wildcard, "a.b.eryx.test"), TlsStatus::kCertError);
}

TEST(TlsClient, PartialWildcardMatchesNothing) {
  EXPECT_EQ(handshake_as(pki().partial_wildcard, "foo.eryx.test"), TlsStatus::kCertError);
}

TEST(TlsClient, ExpiredCertificateIsACertificateError) {
  TlsServer server(pki().expired);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  EXPECT_EQ(connection.handshake, TlsStatus::kCertError);
  EXPECT_EQ(connection.client->last_error(),
            "certificate verify failed: certificate has expired (host 'localhost')");
}

TEST(TlsClient, NoRootsAtAllTrustNothing) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), TlsTrust::make(false, {}), "localhost");
  EXPECT_EQ(connection.handshake, TlsStatus::kCertError);
  EXPECT_EQ(connection.client->last_error(),
            "certificate verify failed: unable to get local issuer certificate (host 'localhost')");
}

TEST(TlsClient, SystemRootsDoNotTrustTheTestCa) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), TlsTrust::make(true, {}), "localhost");
  EXPECT_EQ(connection.handshake, TlsStatus::kCertError);
}

TEST(TlsClient, SystemRootsAndAnExtraRootTrustTheExtraRoot) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), TlsTrust::make(true, {der(pki().ca)}), "localhost");
  EXPECT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
}

TEST(TlsClient, DnsNameIsSentAsSni) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), trust_in(pki().ca), "localhost.");
  EXPECT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  connection.client.reset();
  server.join();
  EXPECT_EQ(server.server_name(), "localhost");
}

TEST(TlsClient, IpLiteralIsVerifiedAgainstTheIpAddressesWithoutSni) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), trust_in(pki().ca), "127.0.0.1");
  EXPECT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  connection.client.reset();
  server.join();
  EXPECT_TRUE(server.handshake_ok());
  EXPECT_EQ(server.server_name(), "");
}

TEST(TlsClient, IpLiteralNotInTheCertificateIsACertificateError) {
  TlsServer server(pki().wrong_name);
  Connection connection(server.port(), trust_in(pki().ca), "127.0.0.1");
  EXPECT_EQ(connection.handshake, TlsStatus::kCertError);
  EXPECT_EQ(connection.client->last_error(),
            "certificate verify failed: IP address mismatch, certificate is not valid for "
            "'127.0.0.1'");
}

TEST(TlsClient, AnAlpnListTooLongForTlsIsRefusedAsSuch) {
  std::string list;
  while (list.size() <= 65535) list += std::string(1, '\x05') + "proto";
  std::string error;
  EXPECT_EQ(TlsClient::over_memory(trust_in(pki().ca), "localhost", list, &error), nullptr);
  EXPECT_NE(error.find("too long"), std::string::npos) << error;
}

TEST(TlsClient, MalformedAlpnListIsRefused) {
  auto trust = trust_in(pki().ca);
  std::string error;
  EXPECT_EQ(TlsClient::over_memory(trust, "localhost", std::string_view("\x05h2", 3), &error),
            nullptr);
  EXPECT_EQ(error,
            "the ALPN protocol list is not in wire format (length-prefixed names of 1 to 255 "
            "bytes)");
  EXPECT_EQ(TlsClient::over_memory(trust, "localhost", std::string_view("\x00", 1), &error),
            nullptr);
  EXPECT_NE(TlsClient::over_memory(trust, "localhost", std::string_view("\x02h2", 3), &error),
            nullptr);
}

TEST(TlsClient, HostThatIsNeitherANameNorAnAddressIsRefused) {
  auto trust = trust_in(pki().ca);
  for (std::string_view host :
       {std::string_view(""), std::string_view("."), std::string_view("local host"),
        std::string_view("a..b"), std::string_view("fe80::1%eth0"), std::string_view("[foo]"),
        std::string_view("caf\xc3\xa9.test"), std::string_view("127.0.0.1\0evil", 14),
        std::string_view("a\0b", 3)}) {
    std::string error;
    EXPECT_EQ(TlsClient::over_memory(trust, host, "", &error), nullptr) << host;
    EXPECT_FALSE(error.empty()) << host;
  }
  std::string error;
  EXPECT_EQ(TlsClient::over_socket(trust, -1, "localhost", "", &error), nullptr);
}

TEST(TlsClient, NamesAndAddressesInEveryUsualFormAreAccepted) {
  auto trust = trust_in(pki().ca);
  for (std::string_view host : {"localhost", "localhost.", "xn--caf-dma.test", "_srv.example.test",
                                "127.0.0.1", "::1", "[::1]", "2001:db8::1"}) {
    std::string error;
    EXPECT_NE(TlsClient::over_memory(trust, host, "", &error), nullptr) << host << ": " << error;
  }
}

// ---- what the connection reports ------------------------------------------------------------

TEST(TlsClient, AlpnSelectsTheServersChoice) {
  TlsServer server(pki().leaf, {}, {"h2", "http/1.1"});
  Connection connection(server.port(), trust_in(pki().ca), "localhost",
                        std::string_view("\x08http/1.1\x02h2", 12));
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  EXPECT_EQ(connection.client->alpn(), "h2");
}

TEST(TlsClient, AlpnSelectsHttp11WhenOnlyItIsOffered) {
  TlsServer server(pki().leaf, {}, {"h2", "http/1.1"});
  Connection connection(server.port(), trust_in(pki().ca), "localhost",
                        std::string_view("\x08http/1.1", 9));
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  EXPECT_EQ(connection.client->alpn(), "http/1.1");
}

TEST(TlsClient, AlpnIsEmptyWhenNoneWasOffered) {
  TlsServer server(pki().leaf, {}, {"h2"});
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  EXPECT_EQ(connection.client->alpn(), "");
}

TEST(TlsClient, VersionAndCipherOfTls13) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  EXPECT_EQ(connection.client->version(), "TLSv1.3");
  EXPECT_TRUE(std::regex_match(connection.client->cipher(),
                               std::regex("TLS_[A-Z0-9_]+ TLSv1\\.3 (128|256)")))
      << connection.client->cipher();
}

TEST(TlsClient, VersionAndCipherOfTls12) {
  TlsServer server(pki().leaf, {}, {}, TLS1_2_VERSION);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  EXPECT_EQ(connection.client->version(), "TLSv1.2");
  EXPECT_TRUE(std::regex_match(connection.client->cipher(),
                               std::regex("ECDHE-ECDSA-[A-Z0-9-]+ TLSv1\\.2 (128|256)")))
      << connection.client->cipher();
}

TEST(TlsClient, ServerOfferingOnlyTls11IsRefused) {
  TlsServer server(pki().leaf, {}, {}, TLS1_1_VERSION);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  EXPECT_EQ(connection.handshake, TlsStatus::kError);
  EXPECT_TRUE(connection.client->last_error().starts_with("TLS handshake failed: "))
      << connection.client->last_error();
}

TEST(TlsClient, PeerCertificateDerIsTheServers) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  EXPECT_EQ(connection.client->peer_certificate_der(), der(pki().leaf));
}

TEST(TlsClient, PeerChainIsTheLeafThenTheRoot) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  EXPECT_EQ(connection.client->peer_chain_der(),
            (std::vector<std::string>{der(pki().leaf), der(pki().ca)}));
}

TEST(TlsClient, PeerCertificateJsonHasCPythonsShape) {
  TlsServer server(pki().leaf);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  auto json = nlohmann::json::parse(connection.client->peer_certificate_json());
  EXPECT_EQ(json["subject"], nlohmann::json::parse(R"([[["countryName", "NL"]],
      [["organizationName", "Eryx Tests"]], [["commonName", "localhost"]]])"));
  EXPECT_EQ(json["issuer"], nlohmann::json::parse(R"([[["countryName", "NL"]],
      [["organizationName", "Eryx Tests"]], [["commonName", "Eryx Test CA"]]])"));
  EXPECT_EQ(json["version"], 3);
  EXPECT_EQ(json["subjectAltName"],
            nlohmann::json::parse(R"([["DNS", "localhost"], ["IP Address", "127.0.0.1"]])"));
  std::regex date("[A-Z][a-z]{2} [ 123][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4} GMT");
  EXPECT_TRUE(std::regex_match(json["notAfter"].get<std::string>(), date)) << json["notAfter"];
  EXPECT_TRUE(std::regex_match(json["notBefore"].get<std::string>(), date)) << json["notBefore"];
  EXPECT_TRUE(std::regex_match(json["serialNumber"].get<std::string>(), std::regex("[0-9A-F]{30}")))
      << json["serialNumber"];
  EXPECT_EQ(json["OCSP"], nlohmann::json::array({"http://ocsp.eryx.test/"}));
  EXPECT_EQ(json["caIssuers"], nlohmann::json::array({"http://ca.eryx.test/ca.der"}));
  EXPECT_EQ(json["crlDistributionPoints"], nlohmann::json::array({"http://crl.eryx.test/ca.crl"}));
}

TEST(TlsClient, PeerCertificateJsonOmitsWhatTheCertificateLacks) {
  TlsServer server(pki().wrong_name);
  Connection connection(server.port(), trust_in(pki().ca), "wrong.test");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  auto json = nlohmann::json::parse(connection.client->peer_certificate_json());
  EXPECT_FALSE(json.contains("OCSP"));
  EXPECT_FALSE(json.contains("caIssuers"));
  EXPECT_FALSE(json.contains("crlDistributionPoints"));
  EXPECT_EQ(json["subjectAltName"], nlohmann::json::parse(R"([["DNS", "wrong.test"]])"));
}

// The dict CPython 3.11's ssl._ssl._test_decode_cert made of this certificate (with Debian's
// OpenSSL 3.0): every kind of alternative name, a multi-valued RDN, AIA and CRL addresses.
constexpr std::string_view kEveryFieldPem = R"(-----BEGIN CERTIFICATE-----
MIID2zCCA4CgAwIBAgIUUoqRfOpDrue3wCZiN6pbLxHcglUwCgYIKoZIzj0EAwIw
gaIxCzAJBgNVBAYTAk5MMRYwFAYDVQQIDA1Ob29yZC1Ib2xsYW5kMRIwEAYDVQQH
DAlBbXN0ZXJkYW0xEzARBgNVBAoMCkVyeXggVGVzdHMxHDALBgNVBAsMBFVuaXQw
DQYDVQQLDAZTZWNvbmQxFTATBgNVBAMMDGV4YW1wbGUudGVzdDEdMBsGCSqGSIb3
DQEJARYOeEBleGFtcGxlLnRlc3QwHhcNMjYxMjA3MTM0NTI5WhcNMzYxMjA0MTM0
NTI5WjCBojELMAkGA1UEBhMCTkwxFjAUBgNVBAgMDU5vb3JkLUhvbGxhbmQxEjAQ
BgNVBAcMCUFtc3RlcmRhbTETMBEGA1UECgwKRXJ5eCBUZXN0czEcMAsGA1UECwwE
VW5pdDANBgNVBAsMBlNlY29uZDEVMBMGA1UEAwwMZXhhbXBsZS50ZXN0MR0wGwYJ
KoZIhvcNAQkBFg54QGV4YW1wbGUudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABDSxt8mA7lc1LHAnole4v4BjgJVrd5tp3PQDIVvxZtgWn1OdE0hZM+A672ac
HVAs0dvErnuO2uUpo8hAxXfE89WjggGQMIIBjDCBswYDVR0RBIGrMIGoggxleGFt
cGxlLnRlc3SHBAoBAgOHECABDbgAAAAAAAD/AABCgymBDmFAZXhhbXBsZS50ZXN0
hhZodHRwczovL2V4YW1wbGUudGVzdC94iAMqAwSkMDAuMQswCQYDVQQGEwJERTEM
MAoGA1UECgwDT3JnMREwDwYDVQQDDAhEaXIgTmFtZaAhBgorBgEEAYI3FAIDoBMM
EXVzZXJAZXhhbXBsZS50ZXN0MGAGCCsGAQUFBwEBBFQwUjAlBggrBgEFBQcwAYYZ
aHR0cDovL29jc3AuZXhhbXBsZS50ZXN0LzApBggrBgEFBQcwAoYdaHR0cDovL2Nh
LmV4YW1wbGUudGVzdC9jYS5kZXIwUwYDVR0fBEwwSjAjoCGgH4YdaHR0cDovL2Ny
bC5leGFtcGxlLnRlc3QvYS5jcmwwI6AhoB+GHWh0dHA6Ly9jcmwuZXhhbXBsZS50
ZXN0L2IuY3JsMB0GA1UdDgQWBBSM6vRwM/HCJ/snC7eUZZE4Gr64MzAKBggqhkjO
PQQDAgNJADBGAiEA+eEzrt3B0GsVapnHongWBeycjMkxQTUaHszKMl8JFVACIQDj
gC4mY0V5Ei4Hbsr2qJOLvyRhr9O/kT1iRgEeOmAMIQ==
-----END CERTIFICATE-----
)";
constexpr std::string_view kEveryFieldDict = R"({"subject": [[["countryName", "NL"]],
 [["stateOrProvinceName", "Noord-Holland"]], [["localityName", "Amsterdam"]],
 [["organizationName", "Eryx Tests"]],
 [["organizationalUnitName", "Unit"], ["organizationalUnitName", "Second"]],
 [["commonName", "example.test"]], [["emailAddress", "x@example.test"]]],
 "issuer": [[["countryName", "NL"]], [["stateOrProvinceName", "Noord-Holland"]],
 [["localityName", "Amsterdam"]], [["organizationName", "Eryx Tests"]],
 [["organizationalUnitName", "Unit"], ["organizationalUnitName", "Second"]],
 [["commonName", "example.test"]], [["emailAddress", "x@example.test"]]],
 "version": 3, "serialNumber": "528A917CEA43AEE7B7C0266237AA5B2F11DC8255",
 "notBefore": "Dec  7 13:45:29 2026 GMT", "notAfter": "Dec  4 13:45:29 2036 GMT",
 "subjectAltName": [["DNS", "example.test"], ["IP Address", "10.1.2.3"],
 ["IP Address", "2001:DB8:0:0:0:FF00:42:8329"], ["email", "a@example.test"],
 ["URI", "https://example.test/x"], ["Registered ID", "1.2.3.4"],
 ["DirName", [[["countryName", "DE"]], [["organizationName", "Org"]], [["commonName", "Dir Name"]]]],
 ["othername", "UPN:user@example.test"]],
 "OCSP": ["http://ocsp.example.test/"], "caIssuers": ["http://ca.example.test/ca.der"],
 "crlDistributionPoints": ["http://crl.example.test/a.crl", "http://crl.example.test/b.crl"]})";

TEST(TlsCertificateJson, IsTheDictCPythonMakes) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(kEveryFieldPem.data(), static_cast<int>(kEveryFieldPem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  ASSERT_NE(certificate, nullptr);
  // Compared as ordered JSON: the same keys, values and order as CPython's dict.
  EXPECT_EQ(nlohmann::ordered_json::parse(eryx::net::certificate_json(certificate.get())).dump(1),
            nlohmann::ordered_json::parse(kEveryFieldDict).dump(1));
}

TEST(TlsClient, NothingIsReportedBeforeTheHandshake) {
  std::string error;
  auto client = TlsClient::over_memory(trust_in(pki().ca), "localhost", "", &error);
  ASSERT_NE(client, nullptr) << error;
  EXPECT_EQ(client->peer_certificate_der(), "");
  EXPECT_EQ(client->peer_certificate_json(), "{}");
  EXPECT_TRUE(client->peer_chain_der().empty());
  EXPECT_EQ(client->version(), "");
  EXPECT_EQ(client->cipher(), "");
  EXPECT_EQ(client->alpn(), "");
}

// ---- the stream --------------------------------------------------------------------------------

TEST(TlsClient, CloseNotifyEndsTheStreamAsClosed) {
  TlsServer server(pki().leaf, send_and_close_notify);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  TlsStatus end;
  EXPECT_EQ(connection.read_all(&end), "bye");
  EXPECT_EQ(end, TlsStatus::kClosed);
  EXPECT_TRUE(connection.client->has_pending());  // a poll must see the end without the socket
  size_t got = 0;
  uint8_t byte;
  EXPECT_EQ(connection.client->read({&byte, 1}, &got), TlsStatus::kClosed);
}

TEST(TlsClient, SessionDetailsStayReadableAfterThePeerClosed) {
  TlsServer server(pki().leaf, send_and_close_notify);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  TlsStatus end;
  connection.read_all(&end);
  ASSERT_EQ(end, TlsStatus::kClosed);
  EXPECT_TRUE(connection.client->handshake_done());
  EXPECT_EQ(connection.client->version(), "TLSv1.3");
  EXPECT_FALSE(connection.client->peer_certificate_der().empty());
}

TEST(TlsClient, DecryptedBytesNotYetReadArePending) {
  TlsServer server(pki().leaf, send_and_close_notify);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  uint8_t first = 0;
  size_t got = 0;
  EXPECT_EQ(drive(connection.fd.fd, [&] { return connection.client->read({&first, 1}, &got); }),
            TlsStatus::kOk);
  EXPECT_EQ(first, 'b');
  EXPECT_TRUE(connection.client->has_pending());  // "ye" is decrypted already
  uint8_t rest[8];
  EXPECT_EQ(connection.client->read(rest, &got), TlsStatus::kOk);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(rest), got), "ye");
}

TEST(TlsClient, CloseWithoutCloseNotifyIsEof) {
  TlsServer server(pki().leaf, send_and_drop);
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  TlsStatus end;
  EXPECT_EQ(connection.read_all(&end), "bye");
  EXPECT_EQ(end, TlsStatus::kEof);
  EXPECT_EQ(connection.client->last_error(),
            "TLS read failed: EOF occurred in violation of protocol");
}

TEST(TlsClient, ShutdownSendsCloseNotify) {
  bool peer_saw_close_notify = false;
  TlsServer server(pki().leaf, [&](SSL* ssl, int) {
    char byte;
    int result = SSL_read(ssl, &byte, 1);
    peer_saw_close_notify = SSL_get_error(ssl, result) == SSL_ERROR_ZERO_RETURN;
  });
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  EXPECT_EQ(drive(connection.fd.fd, [&] { return connection.client->shutdown(); }), TlsStatus::kOk);
  EXPECT_EQ(connection.client->shutdown(), TlsStatus::kOk);  // again: nothing more to do
  server.join();
  EXPECT_TRUE(peer_saw_close_notify);
}

TEST(TlsClient, OneMegabyteRoundTrip) {
  constexpr size_t kSize = 1 << 20;
  TlsServer server(pki().leaf, echo(kSize));
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  std::vector<uint8_t> sent(kSize);
  for (size_t i = 0; i < kSize; ++i) sent[i] = static_cast<uint8_t>(i * 7 + (i >> 12));
  std::vector<uint8_t> received;
  size_t offered = 0;
  auto deadline = Clock::now() + kTestDeadline;
  while (received.size() < kSize && Clock::now() < deadline) {
    size_t done = 0;
    bool moved = false;
    if (offered < kSize) {
      // After a "want" the same bytes are offered again, as TlsClient::write requires.
      TlsStatus status = connection.client->write(std::span(sent).subspan(offered), &done);
      ASSERT_TRUE(status == TlsStatus::kOk || status == TlsStatus::kWantWrite)
          << connection.client->last_error();
      offered += done;
      moved = done > 0;
    }
    uint8_t buffer[65536];
    TlsStatus status = connection.client->read(buffer, &done);
    ASSERT_TRUE(status == TlsStatus::kOk || status == TlsStatus::kWantRead)
        << connection.client->last_error();
    received.insert(received.end(), buffer, buffer + done);
    if (!moved && done == 0) {
      pollfd entry{connection.fd.fd, static_cast<short>(POLLIN | (offered < kSize ? POLLOUT : 0)),
                   0};
      poll(&entry, 1, 1000);
    }
  }
  EXPECT_EQ(received.size(), kSize);
  EXPECT_TRUE(received == sent);
  TlsStatus end;
  EXPECT_EQ(connection.read_all(&end), "");
  EXPECT_EQ(end, TlsStatus::kClosed);
}

TEST(TlsClient, WritingToAPeerThatResetIsAnErrorNotASignal) {
  TlsServer server(pki().leaf, [](SSL*, int fd) {
    linger reset{1, 0};  // close with RST
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  });
  Connection connection(server.port(), trust_in(pki().ca), "localhost");
  ASSERT_EQ(connection.handshake, TlsStatus::kOk) << connection.client->last_error();
  server.join();
  std::vector<uint8_t> chunk(16384, 'x');
  TlsStatus status = TlsStatus::kOk;
  auto deadline = Clock::now() + kTestDeadline;
  while ((status == TlsStatus::kOk || status == TlsStatus::kWantWrite) && Clock::now() < deadline) {
    size_t done = 0;
    status = connection.client->write(chunk, &done);
    if (status == TlsStatus::kWantWrite) wait_for(connection.fd.fd, POLLOUT);
  }
  EXPECT_EQ(status, TlsStatus::kError);
  EXPECT_TRUE(connection.client->last_error().starts_with("TLS write failed: "))
      << connection.client->last_error();
  EXPECT_TRUE(connection.client->last_os_error() == EPIPE ||
              connection.client->last_os_error() == ECONNRESET)
      << connection.client->last_error();
  size_t done = 0;
  EXPECT_EQ(connection.client->write(chunk, &done), TlsStatus::kError);  // and stays failed
}

TEST(TlsClient, NeverWaitsEvenOnABlockingSocket) {
  // A listener that never accepts: the kernel completes the TCP handshake, nobody ever answers.
  Fd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(bind(listener.fd, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(listen(listener.fd, 1), 0);
  ASSERT_EQ(getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));  // left blocking on purpose
  timeval limit{2, 0};  // were the client to wait after all, the test fails instead of hanging
  setsockopt(fd.fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ASSERT_EQ(connect(fd.fd, reinterpret_cast<sockaddr*>(&address), length), 0);
  std::string error;
  auto client = TlsClient::over_socket(trust_in(pki().ca), fd.fd, "localhost", "", &error);
  ASSERT_NE(client, nullptr) << error;
  auto start = Clock::now();
  EXPECT_EQ(client->handshake(), TlsStatus::kWantRead);
  uint8_t buffer[16];
  size_t got = 0;
  EXPECT_EQ(client->read(buffer, &got), TlsStatus::kWantRead);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
}

// ---- memory mode -------------------------------------------------------------------------------

// Moves ciphertext between a memory-mode client and its socket by hand, as the guest's
// SSLObject/MemoryBIO code does.
class Pump {
 public:
  Pump(TlsClient& client, int fd) : client_(client), fd_(fd) {}

  // Sends everything the client wants sent.
  bool flush() {
    uint8_t buffer[16384];
    while (size_t size = client_.drain(buffer)) {
      for (size_t sent = 0; sent < size;) {
        ssize_t n = send(fd_, buffer + sent, size - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN && wait_for(fd_, POLLOUT)) continue;
        if (n <= 0) return false;
        sent += static_cast<size_t>(n);
      }
    }
    return true;
  }

  // Repeats `step`, moving bytes whenever it wants them.
  TlsStatus drive(const std::function<TlsStatus()>& step) {
    auto deadline = Clock::now() + kTestDeadline;
    for (;;) {
      TlsStatus status = step();
      if (!flush() || Clock::now() > deadline) return status;
      if (status == TlsStatus::kWantWrite) continue;  // flushed: try again
      if (status != TlsStatus::kWantRead) return status;
      if (!wait_for(fd_, POLLIN)) return status;
      uint8_t buffer[16384];
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n < 0) return TlsStatus::kError;
      EXPECT_EQ(client_.feed({buffer, static_cast<size_t>(n)}, n == 0), static_cast<size_t>(n));
    }
  }

 private:
  TlsClient& client_;
  int fd_;
};

std::unique_ptr<TlsClient> memory_client(std::string_view host = "localhost") {
  std::string error;
  auto client = TlsClient::over_memory(trust_in(pki().ca), host, "", &error);
  EXPECT_NE(client, nullptr) << error;
  return client;
}

TEST(TlsClientMemory, RequestAndResponse) {
  TlsServer server(pki().leaf, answer_http);
  Fd fd(connect_to(server.port()));
  auto client = memory_client();
  Pump pump(*client, fd.fd);
  ASSERT_EQ(pump.drive([&] { return client->handshake(); }), TlsStatus::kOk)
      << client->last_error();
  EXPECT_EQ(client->version(), "TLSv1.3");
  EXPECT_EQ(client->peer_certificate_der(), der(pki().leaf));
  std::string_view request = "GET /hello HTTP/1.0\r\nHost: localhost\r\n\r\n";
  size_t written = 0;
  ASSERT_EQ(pump.drive([&] {
    size_t done = 0;
    TlsStatus status = client->write(bytes(request.substr(written)), &done);
    written += done;
    return status == TlsStatus::kOk && written < request.size() ? TlsStatus::kWantWrite : status;
  }),
            TlsStatus::kOk);
  std::string response;
  TlsStatus end = pump.drive([&] {
    uint8_t buffer[4096];
    size_t done = 0;
    TlsStatus status = client->read(buffer, &done);
    response.append(reinterpret_cast<char*>(buffer), done);
    return status == TlsStatus::kOk ? TlsStatus::kWantRead : status;
  });
  EXPECT_EQ(response, "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(end, TlsStatus::kClosed) << client->last_error();
  EXPECT_EQ(client->shutdown(), TlsStatus::kOk);
  EXPECT_GT(client->pending_output(), 0u);  // our close_notify, waiting to be drained
}

TEST(TlsClientMemory, FeedHoldsAtMost256KiB) {
  auto client = memory_client();
  std::vector<uint8_t> megabyte(1 << 20, 0x16);
  EXPECT_EQ(client->feed(megabyte, false), TlsClient::kMaxBufferedCiphertext);
  EXPECT_EQ(client->feed(megabyte, false), 0u);
}

TEST(TlsClientMemory, WriteWaitsForTheOutputToBeDrained) {
  TlsServer server(pki().leaf);
  Fd fd(connect_to(server.port()));
  auto client = memory_client();
  Pump pump(*client, fd.fd);
  ASSERT_EQ(pump.drive([&] { return client->handshake(); }), TlsStatus::kOk)
      << client->last_error();
  std::vector<uint8_t> megabyte(1 << 20, 'x');
  size_t done = 0;
  EXPECT_EQ(client->write(megabyte, &done), TlsStatus::kOk);
  EXPECT_GT(done, 0u);
  EXPECT_LT(done, megabyte.size());
  EXPECT_GE(client->pending_output(), TlsClient::kMaxBufferedCiphertext);
  EXPECT_LE(client->pending_output(), TlsClient::kMaxBufferedCiphertext + 17 * 1024);
  size_t more = 0;
  EXPECT_EQ(client->write(megabyte, &more), TlsStatus::kWantWrite);
  EXPECT_EQ(more, 0u);
  std::vector<uint8_t> sink(1 << 20);
  size_t pending = client->pending_output();
  EXPECT_EQ(client->drain(sink), pending);
  EXPECT_EQ(client->pending_output(), 0u);
  EXPECT_EQ(client->write(megabyte, &more), TlsStatus::kOk);  // drained: room again
  EXPECT_GT(more, 0u);
}

TEST(TlsClientMemory, EofWithoutCloseNotifyIsEof) {
  auto client = memory_client();
  EXPECT_EQ(client->handshake(), TlsStatus::kWantRead);
  EXPECT_GT(client->pending_output(), 0u);  // the ClientHello
  EXPECT_EQ(client->feed({}, true), 0u);
  EXPECT_EQ(client->handshake(), TlsStatus::kEof);
  EXPECT_EQ(client->last_error(), "TLS handshake failed: EOF occurred in violation of protocol");
  EXPECT_EQ(client->feed(bytes("more"), false), 0u);  // nothing after the end
}

TEST(TlsClientMemory, ErrorsLeftInOpenSslsQueueByOthersDoNotLeakIn) {
  auto client = memory_client();
  ERR_raise(ERR_LIB_SSL, SSL_R_BAD_LENGTH);  // as another connection on this thread might leave
  EXPECT_EQ(client->handshake(), TlsStatus::kWantRead);
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(TlsClientMemory, GarbageFromThePeerIsAnError) {
  auto client = memory_client();
  EXPECT_EQ(client->handshake(), TlsStatus::kWantRead);
  std::string garbage = "HTTP/1.1 400 Bad Request\r\n\r\n";
  EXPECT_EQ(client->feed(bytes(garbage), false), garbage.size());
  EXPECT_EQ(client->handshake(), TlsStatus::kError);
  EXPECT_TRUE(client->last_error().starts_with("TLS handshake failed: ")) << client->last_error();
  EXPECT_EQ(ERR_peek_error(), 0u);
}

}  // namespace
