#include "secrets/sandbox_secrets.h"

#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "eryx/errors.hpp"
#include "net/policy.h"
#include "secrets/request_rewriter.h"

namespace eryx::secrets {
namespace {

class Rewriter final : public net::OutboundRewriter {
 public:
  explicit Rewriter(RequestRewriter rewriter) : rewriter_(std::move(rewriter)) {}
  std::string rewrite(std::span<const uint8_t> chunk) override { return rewriter_.rewrite(chunk); }
  bool passing_through() const override { return rewriter_.passing_through(); }

 private:
  RequestRewriter rewriter_;
};

class Filter final : public net::OutboundFilter {
 public:
  explicit Filter(std::shared_ptr<const SecretSet> set) : set_(std::move(set)) {}
  std::unique_ptr<net::OutboundRewriter> for_connection(
      std::span<const std::string> target_names) const override {
    RequestRewriter rewriter(set_, target_names);
    if (rewriter.passing_through()) return nullptr;  // no secret may go to this connection
    return std::make_unique<Rewriter>(std::move(rewriter));
  }

 private:
  std::shared_ptr<const SecretSet> set_;
};

// The NetConfig's allowed hosts that are name patterns (addresses and CIDRs cannot carry secrets).
std::vector<std::string> network_names(const std::optional<NetConfig>& network) {
  std::vector<std::string> names;
  if (!network) return names;
  for (const auto& host : network->allowed_hosts) {
    if (net::is_address_entry(host)) continue;
    names.push_back(host);
  }
  return names;
}

// Decodes one UTF-8 sequence at text[i]; 0 when malformed.
uint32_t decode_utf8(std::string_view text, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  uint8_t lead = byte(i);
  size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (length == 0 || lead >= 0xF8 || i + length > text.size()) return 0;
  uint32_t cp = lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  i += length;
  return cp;
}

void append_u16(std::string& out, uint32_t unit) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", unit);
  out += buffer;
}

}  // namespace

std::optional<std::string> json_escaped(std::string_view value, bool ascii_only) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    auto c = static_cast<uint8_t>(value[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20) {
            append_u16(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    size_t start = i;
    uint32_t cp = decode_utf8(value, i);
    if (cp == 0) return std::nullopt;
    if (!ascii_only) {
      out.append(value.substr(start, i - start));
    } else if (cp >= 0x10000) {
      cp -= 0x10000;
      append_u16(out, 0xD800 + (cp >> 10));
      append_u16(out, 0xDC00 + (cp & 0x3FF));
    } else {
      append_u16(out, cp);
    }
  }
  return out;
}

std::shared_ptr<const SandboxSecrets> SandboxSecrets::make(
    const SecretMap& secrets, const ScrubOptions& scrub, const std::optional<NetConfig>& network) {
  if (secrets.empty()) return nullptr;
  std::vector<std::string> fallback = network_names(network);
  std::vector<Secret> list;
  list.reserve(secrets.size());
  for (const auto& [name, secret] : secrets) {
    list.push_back({name, secret.value, make_placeholder(),
                    secret.allowed_hosts.empty() ? fallback : secret.allowed_hosts});
  }
  auto result = std::make_shared<SandboxSecrets>();
  result->set_ = SecretSet::make(std::move(list));

  std::vector<std::string> needles;
  std::string code = "__import__('os').environ.update({";
  for (const auto& secret : result->set_->secrets()) {
    needles.push_back(secret.value);
    needles.push_back(secret.placeholder);
    // Both of json.dumps' spellings: the guest writes results with ensure_ascii and callback
    // arguments without it, and a value with a quote and non-ASCII text differs in each.
    for (bool ascii_only : {true, false}) {
      if (auto escaped = json_escaped(secret.value, ascii_only);
          escaped && *escaped != secret.value) {
        needles.push_back(std::move(*escaped));
      }
    }
    // Names are identifiers and placeholders [A-Za-z0-9_-] (SecretSet checks), so quoting is safe.
    code += "'" + secret.name + "': '" + secret.placeholder + "', ";
  }
  code += "})";
  result->scrubber_ = Scrubber::make(std::move(needles));
  result->outbound_ = std::make_shared<Filter>(result->set_);
  result->environment_code_ = std::move(code);
  result->scrub_stdout = scrub.stdout_text.value_or(true);
  result->scrub_stderr = scrub.stderr_text.value_or(true);
  result->scrub_result = scrub.result.value_or(false);
  result->scrub_files = scrub.files.value_or(true);
  result->scrub_callback_args = scrub.callback_args.value_or(true);
  return result;
}

}  // namespace eryx::secrets
