#include "net/tls_trust.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <string_view>

#include "eryx/errors.hpp"

namespace eryx::net {
namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

// The reason of the first error OpenSSL queued (the most specific one), and an empty queue after.
std::string take_openssl_reason() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no reason given";
  if (const char* reason = ERR_reason_error_string(code)) return reason;
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

// One DER certificate that must fill `der` exactly. Sets `reason` when it does not.
X509Ptr parse_der(std::string_view der, std::string* reason) {
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* cursor = begin;
  X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())), X509_free);
  if (!certificate) {
    *reason = take_openssl_reason();
  } else if (cursor != begin + der.size()) {
    *reason = std::to_string(begin + der.size() - cursor) + " bytes after the certificate";
    certificate.reset();
  }
  return certificate;
}

struct PemBlock {
  std::string label;
  std::string_view text;  // from its BEGIN line to its END line
};

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

// Splits PEM text into its blocks. OpenSSL's reader skips whatever is not a block, which would
// let a truncated or mangled certificate go unnoticed, so the structure is checked here: text
// before a block is explanatory (RFC 7468), any after the last block is an error. Returns false
// with `error` set when the text is malformed; true with no blocks when it is not PEM at all.
bool split_pem(std::string_view data, std::vector<PemBlock>* blocks, std::string* error) {
  size_t begin_offset = 0;
  std::string label;  // of the open block; empty outside one
  bool text_after_block = false;
  for (size_t offset = 0; offset < data.size();) {
    size_t newline = data.find('\n', offset);
    size_t end = newline == std::string_view::npos ? data.size() : newline + 1;
    std::string_view line = data.substr(offset, end - offset);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ' ||
                             line.back() == '\t')) {
      line.remove_suffix(1);
    }
    if (label.empty()) {
      if (line.starts_with("-----BEGIN ") && line.ends_with("-----") && line.size() > 16) {
        label = std::string(line.substr(11, line.size() - 16));
        begin_offset = offset;
        text_after_block = false;
      } else if (!is_blank(line)) {
        text_after_block = true;
      }
    } else if (line.starts_with("-----")) {
      if (line != "-----END " + label + "-----") {
        *error = "its PEM block " + std::to_string(blocks->size() + 1) + " (" + label +
                 ") ends with '" + std::string(line) + "'";
        return false;
      }
      blocks->push_back({label, data.substr(begin_offset, end - begin_offset)});
      label.clear();
    }
    offset = end;
  }
  if (!label.empty()) {
    *error = "its PEM block " + std::to_string(blocks->size() + 1) + " (" + label +
             ") is truncated: no END line";
    return false;
  }
  if (!blocks->empty() && text_after_block) {
    *error = "text after its last PEM block";
    return false;
  }
  return true;
}

// The certificates of one NetConfig root (DER, or PEM with one or more blocks).
std::vector<X509Ptr> parse_root(std::string_view data, size_t number) {
  auto fail = [number](const std::string& what) {
    ERR_clear_error();
    throw InvalidArgumentError("NetConfig root certificate " + std::to_string(number) + ": " +
                               what);
  };
  if (is_blank(data)) fail("empty");
  std::vector<X509Ptr> certificates;
  std::vector<PemBlock> blocks;
  std::string error;
  if (data.find("-----BEGIN ") == std::string_view::npos ||
      (split_pem(data, &blocks, &error) && blocks.empty())) {
    std::string reason;
    X509Ptr certificate = parse_der(data, &reason);
    if (!certificate) fail("neither a DER nor a PEM certificate (" + reason + ")");
    certificates.push_back(std::move(certificate));
    return certificates;
  }
  if (!error.empty()) fail(error);
  for (size_t i = 0; i < blocks.size(); ++i) {
    std::string which = "its PEM block " + std::to_string(i + 1);
    if (blocks[i].label != "CERTIFICATE") {
      fail(which + " is a " + blocks[i].label + ", not a CERTIFICATE");
    }
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(blocks[i].text.data(), static_cast<int>(blocks[i].text.size())), BIO_free);
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* der = nullptr;
    long length = 0;
    if (!bio || PEM_read_bio(bio.get(), &name, &header, &der, &length) != 1) {
      fail(which + " is not valid PEM (" + take_openssl_reason() + ")");
    }
    bool has_header = header != nullptr && header[0] != '\0';
    std::string der_bytes(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    if (has_header) fail(which + " has PEM headers (an encrypted or legacy block)");
    std::string reason;
    X509Ptr certificate = parse_der(der_bytes, &reason);
    if (!certificate) fail(which + " is not a valid certificate (" + reason + ")");
    certificates.push_back(std::move(certificate));
  }
  return certificates;
}

}  // namespace

std::shared_ptr<const TlsTrust> TlsTrust::make(bool system_roots,
                                               const std::vector<std::string>& extra_roots) {
  ERR_clear_error();
  std::vector<X509*> roots;
  try {
    for (size_t i = 0; i < extra_roots.size(); ++i) {
      for (auto& certificate : parse_root(extra_roots[i], i + 1)) {
        roots.push_back(certificate.release());
      }
    }
  } catch (...) {
    for (X509* root : roots) X509_free(root);
    throw;
  }
  return std::shared_ptr<const TlsTrust>(new TlsTrust(system_roots, std::move(roots)));
}

SSL_CTX* TlsTrust::context() const {
  std::call_once(made_, [this] { context_ = make_context(); });
  return context_;
}

SSL_CTX* TlsTrust::make_context() const {
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                            SSL_CTX_free);
  auto fail = [](const std::string& what) {
    throw Error("eryx: " + what + " (" + take_openssl_reason() + ")");
  };
  if (!context) fail("OpenSSL cannot make a TLS context");
  SSL_CTX* raw = context.get();
  if (SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION) != 1) fail("cannot require TLS 1.2");
  SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nullptr);
  // Partial writes let write() report what each record took; the moving buffer lets the caller
  // retry a write from another copy of the same bytes (a guest buffer is copied per call).
  SSL_CTX_set_mode(raw, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // As CPython 3.13's default context: a NetConfig root may be an intermediate or a pinned leaf;
  // "*.example.com" matches "a.example.com" only, never "a*.example.com" forms.
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(raw);
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (system_roots_ && SSL_CTX_set_default_verify_paths(raw) != 1) {
    fail("cannot load the system's root certificates");
  }
  X509_STORE* store = SSL_CTX_get_cert_store(raw);
  for (X509* root : roots_) {
    if (X509_STORE_add_cert(store, root) != 1) fail("cannot add a root certificate");
  }
  ERR_clear_error();
  return context.release();
}

TlsTrust::~TlsTrust() {
  SSL_CTX_free(context_);
  for (X509* root : roots_) X509_free(root);
}

}  // namespace eryx::net
