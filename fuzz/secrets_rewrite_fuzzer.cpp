// The substitution of secret placeholders (src/secrets/request_rewriter.h) on guest-controlled
// streams, written in guest-controlled pieces.
//
// Input: a flags byte (its low two bits pick the connection's target: api.example.com,
// x.example.org, evil.example.net, or "" for a literal address), a count byte (at most 32 are
// used), that many little-endian uint16 offsets where the stream is cut into writes, then the
// stream. Invariants:
// - the output is the input with some placeholders replaced by their secrets' values, and a
//   value appears nowhere else;
// - those are exactly the placeholders a separate whole-stream reading of the same rules (below)
//   finds in header values of requests, whose lines came whole in one write, on a connection
//   whose target the secret allows, in requests whose one Host field (and absolute-form target)
//   names a host the secret allows;
// - with finish() at the end (it returns a held, unfinished head), every byte comes out;
// - nothing changes when the target is allowed no secret.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.h"
#include "net/host_pattern.h"
#include "secrets/request_rewriter.h"
#include "secrets/secret_set.h"

namespace {

using eryx::fuzz::fail;
using eryx::secrets::RequestRewriter;
using eryx::secrets::Secret;
using eryx::secrets::SecretSet;

constexpr size_t kMaxCuts = 32;
constexpr size_t kNone = std::string_view::npos;
constexpr size_t kMaxLine = RequestRewriter::kMaxLine;
constexpr size_t kMaxHead = RequestRewriter::kMaxHead;

// Values start with 'v', placeholders with 'E': where output and input differ, a value begins.
const std::shared_ptr<const SecretSet>& secrets() {
  static const auto set = SecretSet::make({
      Secret{"A", "vA=1", "ERYX_SECRET_AAAA", {"api.example.com"}},
      Secret{"B", "vB 2\t\xc3\xa9", "ERYX_SECRET_BBBB", {"*.example.org"}},
      Secret{"C", "vC", "ERYX_SECRET_CCCC", {}},
      Secret{"D", "vD-longer-than-its-placeholder", "ERYX_SECRET_DDDD", {"api.example.com", "x.*"}},
  });
  return set;
}

const char* const kTargets[] = {"api.example.com", "x.example.org", "evil.example.net", ""};

// --- The model: the rules of request_rewriter.h read over the whole stream at once -------------

bool is_tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != kNone;
}
bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}
bool is_field_text(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c != '\t' && (c < 0x20 || c == 0x7f);
  });
}
std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string_view ows_trimmed(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == kNone) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

struct Found {
  size_t offset;
  size_t secret;
  bool operator==(const Found&) const = default;
};

class Model {
 public:
  Model(std::string_view stream, const std::vector<size_t>& cuts, std::vector<size_t> allowed)
      : s_(stream), cuts_(cuts), allowed_(std::move(allowed)) {}

  std::vector<Found> run() {
    if (allowed_.empty()) return {};
    while (request()) {
    }
    return found_;
  }

 private:
  size_t write_of(size_t offset) const {
    return std::upper_bound(cuts_.begin(), cuts_.end(), offset) - cuts_.begin();
  }

  // The next CRLF-ended line (without CRLF), or false when the stream ends or goes bad there.
  bool line(std::string_view& out, size_t& start) {
    size_t lf = s_.find('\n', pos_);
    if (lf == kNone || lf - pos_ + 1 > kMaxLine || lf == pos_ || s_[lf - 1] != '\r') return false;
    start = pos_;
    out = s_.substr(pos_, lf - 1 - pos_);
    whole_ = write_of(start) == write_of(lf);
    pos_ = lf + 1;
    return true;
  }

  bool skip(uint64_t n) {
    if (s_.size() - pos_ < n) return false;
    pos_ += n;
    return true;
  }

  bool field_line(std::string_view text) {
    size_t colon = text.find(':');
    return colon != kNone && is_token(text.substr(0, colon)) && is_field_text(text);
  }

  // The secrets a Host value or authority ("name[:port]") names; none for anything else.
  static std::vector<size_t> named(std::string_view authority) {
    if (authority.empty() || authority.find('@') != kNone || authority[0] == '[') return {};
    size_t colon = authority.rfind(':');
    if (colon != kNone) {
      std::string_view port = authority.substr(colon + 1);
      if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != kNone) {
        return {};
      }
      authority = authority.substr(0, colon);
    }
    auto name = eryx::net::normalize_host_name(authority);
    return name ? secrets()->allowed_for(*name) : std::vector<size_t>{};
  }

  bool request() {
    std::string_view text;
    size_t start;
    size_t head_start = pos_;
    if (!line(text, start)) return false;
    // METHOD SP target SP HTTP/1.d
    size_t a = text.find(' ');
    if (a == kNone) return false;
    size_t b = text.find(' ', a + 1);
    if (b == kNone) return false;
    std::string_view method = text.substr(0, a), target = text.substr(a + 1, b - a - 1),
                     version = text.substr(b + 1);
    if (!is_token(method) || target.empty()) return false;
    for (char c : target) {
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
        return false;
      }
    }
    if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." ||
        !std::isdigit(static_cast<unsigned char>(version[7]))) {
      return false;
    }
    bool http10 = version[7] == '0';
    bool absolute = target[0] != '/' && target != "*";
    std::string_view authority;
    bool bad_target = false;
    if (absolute) {
      size_t scheme = target.find("://");
      if (scheme == kNone) {
        bad_target = true;
      } else {
        std::string_view rest = target.substr(scheme + 3);
        authority = rest.substr(0, rest.find_first_of("/?#"));
      }
    }
    int lengths = 0, encodings = 0, hosts = 0;
    std::string_view host;
    uint64_t length = 0;
    bool upgrade = false;
    head_found_.clear();
    while (true) {
      if (!line(text, start)) return false;
      if (pos_ - head_start > kMaxHead) return false;
      if (text.empty()) break;
      if (!field_line(text)) return false;
      size_t colon = text.find(':');
      std::string name = lowered(text.substr(0, colon));
      std::string loose = name;
      std::replace(loose.begin(), loose.end(), '_', '-');
      std::string_view value = text.substr(colon + 1);
      if (loose == "content-length") {
        std::string_view digits = ows_trimmed(value);
        if (name != loose || ++lengths > 1 || digits.empty() || digits.size() > 18 ||
            digits.find_first_not_of("0123456789") != kNone) {
          return false;
        }
        length = std::stoull(std::string(digits));
      } else if (loose == "transfer-encoding") {
        if (name != loose || ++encodings > 1) return false;
        std::vector<std::string> codings;
        size_t from = 0;
        while (true) {
          size_t comma = value.find(',', from);
          codings.push_back(std::string(ows_trimmed(value.substr(from, comma - from))));
          if (comma == kNone) break;
          from = comma + 1;
        }
        for (size_t i = 0; i < codings.size(); ++i) {
          bool chunked = lowered(codings[i]) == "chunked";
          if (!is_token(codings[i]) || chunked != (i + 1 == codings.size())) return false;
        }
      } else if (name == "upgrade") {
        upgrade = true;
      } else if (name == "host") {
        ++hosts;
        host = ows_trimmed(value);
      }
      if (whole_) placeholders(value, start + colon + 1);
    }
    if ((lengths && encodings) || (encodings && http10)) return false;
    std::vector<size_t> ok;
    if (hosts == 1 && !bad_target) {
      ok = named(host);
      if (absolute) {
        auto also = named(authority);
        std::vector<size_t> both;
        for (size_t k : ok) {
          if (std::find(also.begin(), also.end(), k) != also.end()) both.push_back(k);
        }
        ok = both;
      }
    }
    for (const Found& f : head_found_) {
      if (std::find(ok.begin(), ok.end(), f.secret) != ok.end()) found_.push_back(f);
    }
    if (upgrade || lowered(method) == "connect") return false;
    if (!encodings) return skip(length);
    while (true) {
      if (!line(text, start)) return false;
      size_t digits = 0;
      while (digits < text.size() && std::isxdigit(static_cast<unsigned char>(text[digits]))) {
        ++digits;
      }
      if (digits == 0 || digits > 15 || (digits < text.size() && text[digits] != ';') ||
          !is_field_text(text)) {
        return false;
      }
      uint64_t size = std::stoull(std::string(text.substr(0, digits)), nullptr, 16);
      if (size == 0) break;
      if (!skip(size) || !line(text, start) || !text.empty()) return false;
    }
    while (true) {
      if (!line(text, start)) return false;
      if (text.empty()) return true;
      if (text[0] == ' ' || text[0] == '\t' || !field_line(text)) return false;
    }
  }

  void placeholders(std::string_view value, size_t offset) {
    const auto& all = secrets()->secrets();
    for (size_t i = 0; i < value.size();) {
      bool hit = false;
      for (size_t k : allowed_) {
        if (value.substr(i).starts_with(all[k].placeholder)) {
          head_found_.push_back({offset + i, k});
          i += all[k].placeholder.size();
          hit = true;
          break;
        }
      }
      if (!hit) ++i;
    }
  }

  std::string_view s_;
  const std::vector<size_t>& cuts_;
  std::vector<size_t> allowed_;
  size_t pos_ = 0;
  bool whole_ = false;
  std::vector<Found> found_;
  std::vector<Found> head_found_;  // of the request head being read
};

// Where `output` differs from `input`: each place must be a placeholder in the input and its
// value in the output. Fails otherwise; returns the placeholders' offsets in the input.
std::vector<Found> substitutions(std::string_view input, std::string_view output) {
  const auto& all = secrets()->secrets();
  std::vector<Found> found;
  size_t i = 0, j = 0;
  while (i < input.size() && j < output.size()) {
    if (input[i] == output[j]) {
      ++i, ++j;
      continue;
    }
    size_t k = 0;
    while (k < all.size() && !input.substr(i).starts_with(all[k].placeholder)) ++k;
    if (k == all.size() || !output.substr(j).starts_with(all[k].value)) {
      fail("the output differs from the input other than by a placeholder's value");
    }
    found.push_back({i, k});
    i += all[k].placeholder.size();
    j += all[k].value.size();
  }
  if (i != input.size() || j != output.size()) fail("the output is not the input's length");
  return found;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  eryx::fuzz::Input in(data, size);
  auto flags = in.get<uint8_t>();
  size_t count = std::min<size_t>(in.get<uint8_t>(), kMaxCuts);
  std::vector<size_t> cuts;
  for (size_t i = 0; i < count; ++i) cuts.push_back(in.get<uint16_t>());
  std::string_view stream = in.rest();
  for (auto& cut : cuts) cut = stream.empty() ? 0 : cut % (stream.size() + 1);
  std::sort(cuts.begin(), cuts.end());

  std::string target = kTargets[flags & 3];
  RequestRewriter rewriter(secrets(), target);
  std::string output;
  size_t from = 0;
  for (size_t cut : cuts) {
    output += rewriter.rewrite(stream.substr(from, cut - from));
    from = cut;
  }
  output += rewriter.rewrite(stream.substr(from));
  output += rewriter.finish();

  auto allowed = secrets()->allowed_for(target);
  if (allowed.empty() && output != stream) fail("a connection allowed no secret changed bytes");
  std::vector<Found> done = substitutions(stream, output);
  if (done.size() != rewriter.substitutions()) fail("the substitution count is wrong");
  std::vector<Found> expected = Model(stream, cuts, allowed).run();
  if (done != expected) fail("the substitutions differ from the model's");
  return 0;
}
