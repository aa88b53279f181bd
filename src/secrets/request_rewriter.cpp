#include "secrets/request_rewriter.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <optional>

#include "net/host_pattern.h"

namespace eryx::secrets {
namespace {

constexpr size_t kNone = std::string_view::npos;
// Content-Length and chunk sizes are read as at most this many digits (no overflow; far above
// any real body).
constexpr size_t kMaxDecimalDigits = 18;
constexpr size_t kMaxHexDigits = 15;

// RFC 9110 tchar: the bytes of a method or a field name.
bool tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

bool token(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!tchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A field value's bytes: SP, HT, visible ASCII and obs-text; never CR, LF, NUL or another control.
bool field_value(std::string_view text) {
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c != '\t' && (c < 0x20 || c == 0x7f)) return false;
  }
  return true;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive, and '_' taken for '-' when `loose` (a server that maps names to CGI-style
// variables reads "Content_Length" as Content-Length).
bool name_is(std::string_view name, std::string_view lower_name, bool loose = false) {
  if (name.size() != lower_name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = lower(name[i]);
    if (loose && c == '_') c = '-';
    if (c != lower_name[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool parse_decimal(std::string_view text, uint64_t& out) {
  if (text.empty() || text.size() > kMaxDecimalDigits) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The host of a Host field value or of an absolute-form target's authority ("name" or
// "name:port"), normalized; nullopt for anything else (userinfo, an IP literal, a bad port), which
// then names no secret's host.
std::optional<std::string> authority_host(std::string_view authority) {
  if (authority.find('@') != kNone || authority.empty() || authority.front() == '[') {
    return std::nullopt;
  }
  if (size_t colon = authority.rfind(':'); colon != kNone) {
    std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    authority = authority.substr(0, colon);
  }
  return net::normalize_host_name(authority);
}

// "HTTP/1.0", "HTTP/1.1" (any one digit after "HTTP/1.").
bool http1_version(std::string_view text, bool& http10) {
  if (text.size() != 8 || text.substr(0, 7) != "HTTP/1." || text[7] < '0' || text[7] > '9') {
    return false;
  }
  http10 = text[7] == '0';
  return true;
}

// A Transfer-Encoding value whose codings are tokens and whose last coding, and only that one, is
// "chunked": the body is then framed by chunks whatever the other codings are.
bool chunked_last(std::string_view value) {
  bool last_chunked = false;
  while (true) {
    size_t comma = value.find(',');
    std::string_view coding = trim(value.substr(0, comma));
    if (!token(coding) || last_chunked) return false;
    last_chunked = name_is(coding, "chunked");
    if (comma == kNone) return last_chunked;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

RequestRewriter::RequestRewriter(std::shared_ptr<const SecretSet> secrets,
                                 std::string_view target_name)
    : secrets_(std::move(secrets)) {
  if (!secrets_ || target_name.empty()) return;
  auto name = net::normalize_host_name(target_name);
  if (!name) return;
  allowed_ = secrets_->allowed_for(*name);
  if (!allowed_.empty()) state_ = State::kRequestLine;
}

RequestRewriter::RequestRewriter(std::shared_ptr<const SecretSet> secrets,
                                 std::span<const std::string> target_names)
    : secrets_(std::move(secrets)) {
  if (!secrets_ || target_names.empty()) return;
  for (size_t i = 0; i < target_names.size(); ++i) {
    auto name = target_names[i].empty() ? std::nullopt : net::normalize_host_name(target_names[i]);
    if (!name) {
      allowed_.clear();
      return;
    }
    auto allowed = secrets_->allowed_for(*name);
    if (i == 0) {
      allowed_ = std::move(allowed);
    } else {
      // Both lists are in index order.
      std::vector<size_t> both;
      std::set_intersection(allowed_.begin(), allowed_.end(), allowed.begin(), allowed.end(),
                            std::back_inserter(both));
      allowed_ = std::move(both);
    }
  }
  if (!allowed_.empty()) state_ = State::kRequestLine;
}

std::string RequestRewriter::rewrite(std::span<const uint8_t> chunk) {
  const char* data = reinterpret_cast<const char*>(chunk.data());
  const size_t size = chunk.size();
  std::string out;
  size_t pos = 0;
  while (pos < size && state_ != State::kPassThrough) {
    if (state_ == State::kBody || state_ == State::kChunkData) {
      uint64_t n = std::min<uint64_t>(body_left_, size - pos);
      out.append(data + pos, static_cast<size_t>(n));
      pos += n;
      body_left_ -= n;
      if (body_left_ == 0) {
        state_ = state_ == State::kBody ? State::kRequestLine : State::kChunkDataEnd;
      }
      continue;
    }
    const char* lf = static_cast<const char*>(std::memchr(data + pos, '\n', size - pos));
    size_t end = lf ? static_cast<size_t>(lf - data) : size;
    bool in_head = state_ == State::kRequestLine || state_ == State::kHeaders;
    if (line_.size() + (end - pos) + (lf ? 1 : 0) > kMaxLine ||
        (in_head && head_.size() + (end - pos) + 1 > kMaxHead)) {
      state_ = State::kPassThrough;
      break;
    }
    // The bytes of a request's head wait in head_ until its end, when its Host is known.
    std::string& sink = in_head ? head_ : out;
    size_t line_start = sink.size() - (in_head ? line_.size() : 0);
    sink.append(data + pos, (lf ? end + 1 : size) - pos);
    if (!lf) {
      line_.append(data + pos, size - pos);
      pos = size;
      break;
    }
    if (line_.empty()) {
      on_line(std::string_view(data + pos, end - pos), in_head ? line_start : kNone);
    } else {
      line_.append(data + pos, end - pos);
      on_line(line_, kNone);
    }
    line_.clear();
    pos = end + 1;
    if (head_done_) {
      out += head_;
      head_.clear();
      head_done_ = false;
    }
  }
  if (state_ == State::kPassThrough) {
    // What was held goes out as it was written, then the rest of the stream.
    out += head_;
    out.append(data + pos, size - pos);
    head_.clear();
    head_.shrink_to_fit();
    edits_.clear();
    line_.clear();
    line_.shrink_to_fit();
  }
  return out;
}

std::string RequestRewriter::finish() {
  std::string held = std::move(head_);
  head_.clear();
  edits_.clear();
  line_.clear();
  state_ = State::kPassThrough;
  return held;
}

void RequestRewriter::release_head() {
  // A secret goes only where the request itself names a host the secret allows, besides the
  // connection's target: a front end shared by many sites routes by the Host header (or by an
  // absolute-form target), so "Host: evil.example" on a connection to an allowed address would
  // otherwise deliver the value to another site.
  std::vector<size_t> named;
  if (host_count_ == 1 && !bad_authority_) {
    if (auto host = authority_host(host_value_)) {
      named = secrets_->allowed_for(*host);
      if (has_authority_) {
        auto other = authority_host(authority_);
        std::vector<size_t> both;
        if (other) {
          auto allowed = secrets_->allowed_for(*other);
          std::set_intersection(named.begin(), named.end(), allowed.begin(), allowed.end(),
                                std::back_inserter(both));
        }
        named = std::move(both);
      }
    }
  }
  std::string out;
  out.reserve(head_.size() + edits_.size() * 64);
  size_t copied = 0;
  for (const Edit& edit : edits_) {
    if (!std::binary_search(named.begin(), named.end(), edit.secret)) continue;
    out.append(head_, copied, edit.offset - copied);
    out += secrets_->secrets()[edit.secret].value;
    copied = edit.offset + edit.length;
    ++substitutions_;
  }
  out.append(head_, copied);
  edits_.clear();
  head_ = std::move(out);
}

void RequestRewriter::on_line(std::string_view line, size_t start) {
  // Lines end in CRLF; a bare LF is a terminator to some servers and not to others.
  if (line.empty() || line.back() != '\r') {
    state_ = State::kPassThrough;
    return;
  }
  line.remove_suffix(1);
  switch (state_) {
    case State::kRequestLine:
      on_request_line(line);
      return;
    case State::kHeaders:
      if (line.empty()) {
        on_end_of_headers();
      } else {
        on_header_line(line, start);
      }
      return;
    case State::kChunkSize:
      on_chunk_size_line(line);
      return;
    case State::kChunkDataEnd:
      state_ = line.empty() ? State::kChunkSize : State::kPassThrough;
      return;
    case State::kTrailers:
      // Trailer fields are read like header fields but never substituted: they follow the body.
      if (line.empty()) {
        state_ = State::kRequestLine;
      } else if (line[0] == ' ' || line[0] == '\t' || !token(line.substr(0, line.find(':'))) ||
                 line.find(':') == kNone || !field_value(line)) {
        state_ = State::kPassThrough;
      }
      return;
    case State::kBody:
    case State::kChunkData:
    case State::kPassThrough:
      return;
  }
}

void RequestRewriter::on_request_line(std::string_view line) {
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == kNone ? kNone : line.find(' ', sp1 + 1);
  if (sp2 == kNone) {
    state_ = State::kPassThrough;
    return;
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  bool target_ok = !target.empty();
  for (char ch : target) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) target_ok = false;
  }
  bool http10 = false;
  if (!token(method) || !target_ok || !http1_version(line.substr(sp2 + 1), http10)) {
    state_ = State::kPassThrough;
    return;
  }
  http10_ = http10;
  connect_ = name_is(method, "connect");  // any case: a lenient server may take it
  host_count_ = 0;
  host_value_.clear();
  bad_authority_ = false;
  has_authority_ = false;
  authority_.clear();
  if (target.front() != '/' && target != "*") {
    // absolute-form "scheme://authority/path": the authority names the site as Host does.
    size_t scheme_end = target.find("://");
    if (scheme_end == kNone) {
      bad_authority_ = true;
    } else {
      std::string_view rest = target.substr(scheme_end + 3);
      authority_ = std::string(rest.substr(0, rest.find_first_of("/?#")));
      has_authority_ = true;
    }
  }
  upgrade_ = has_length_ = chunked_ = has_transfer_encoding_ = false;
  content_length_ = 0;
  state_ = State::kHeaders;
}

void RequestRewriter::on_header_line(std::string_view line, size_t start) {
  size_t colon = line.find(':');
  // An obs-fold line starts with SP or HT; its name would not be a token either.
  if (colon == kNone || !token(line.substr(0, colon)) || !field_value(line)) {
    state_ = State::kPassThrough;
    return;
  }
  std::string_view name = line.substr(0, colon);
  std::string_view value = line.substr(colon + 1);
  if (name_is(name, "content-length", true)) {
    if (!name_is(name, "content-length") || has_length_ ||
        !parse_decimal(trim(value), content_length_)) {
      state_ = State::kPassThrough;
      return;
    }
    has_length_ = true;
  } else if (name_is(name, "transfer-encoding", true)) {
    if (!name_is(name, "transfer-encoding") || has_transfer_encoding_ || !chunked_last(value)) {
      state_ = State::kPassThrough;
      return;
    }
    has_transfer_encoding_ = chunked_ = true;
  } else if (name_is(name, "upgrade")) {
    upgrade_ = true;
  } else if (name_is(name, "host", true)) {
    ++host_count_;
    host_value_ = std::string(trim(value));
  }
  if (start != kNone) find_placeholders(value, start + colon + 1);
}

void RequestRewriter::on_end_of_headers() {
  // Both framings at once, or chunked in HTTP/1.0, is how requests are smuggled past a proxy: the
  // server may read the body differently, so such a request gets no value at all. After CONNECT
  // or Upgrade the bytes are another protocol (the head itself is still HTTP).
  bool smuggling = (has_length_ && has_transfer_encoding_) || (has_transfer_encoding_ && http10_);
  if (smuggling) edits_.clear();
  release_head();
  head_done_ = true;
  if (smuggling || connect_ || upgrade_) {
    state_ = State::kPassThrough;
  } else if (chunked_) {
    state_ = State::kChunkSize;
  } else if (has_length_ && content_length_ > 0) {
    body_left_ = content_length_;
    state_ = State::kBody;
  } else {
    state_ = State::kRequestLine;
  }
}

void RequestRewriter::on_chunk_size_line(std::string_view line) {
  // 1*HEXDIG, then nothing or ";" and extensions (no whitespace before the ';': servers disagree).
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < line.size() && hex_digit(line[digits]) >= 0) {
    size = size * 16 + static_cast<uint64_t>(hex_digit(line[digits]));
    ++digits;
  }
  if (digits == 0 || digits > kMaxHexDigits || (digits < line.size() && line[digits] != ';') ||
      !field_value(line)) {
    state_ = State::kPassThrough;
    return;
  }
  if (size == 0) {
    state_ = State::kTrailers;
  } else {
    body_left_ = size;
    state_ = State::kChunkData;
  }
}

void RequestRewriter::find_placeholders(std::string_view value, size_t value_start) {
  const auto& secrets = secrets_->secrets();
  size_t pos = 0;
  while (pos < value.size()) {
    // The leftmost placeholder from `pos`; two cannot start at the same byte, since none
    // contains another.
    size_t best = kNone;
    size_t best_secret = 0;
    for (size_t index : allowed_) {
      size_t found = value.find(secrets[index].placeholder, pos);
      if (found < best) {
        best = found;
        best_secret = index;
      }
    }
    if (best == kNone) return;
    size_t length = secrets[best_secret].placeholder.size();
    edits_.push_back({value_start + best, length, best_secret});
    pos = best + length;
  }
}

}  // namespace eryx::secrets
