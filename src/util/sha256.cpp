#include "util/sha256.h"

#include <openssl/evp.h>

#include <memory>

#include "eryx/errors.hpp"

namespace eryx::util {

std::string sha256(std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  bool ok = context && EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1;
  for (auto part : parts) {
    ok = ok && EVP_DigestUpdate(context.get(), part.data(), part.size()) == 1;
  }
  if (!ok || EVP_DigestFinal_ex(context.get(), digest, &length) != 1) {
    throw Error("eryx: SHA-256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string sha256(std::string_view data) { return sha256({data}); }

std::string sha256_hex(std::initializer_list<std::string_view> parts) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : sha256(parts)) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

std::string sha256_hex(std::string_view data) { return sha256_hex({data}); }

}  // namespace eryx::util
