// Host names and the patterns that match them (allowed_hosts, blocked_hosts, internal_hosts).
//
// Matching is by labels, never by regular expression: "*" alone matches every name; "*" as the
// first label matches one or more labels ("*.example.com" matches "a.example.com" and
// "a.b.example.com", not "example.com"); "*" as any other label matches exactly one label
// ("api.*.com" matches "api.x.com"). Both sides are normalized names, so case and a trailing dot
// never matter.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eryx::net {

// The canonical form of a DNS host name: ASCII lower-case, one trailing dot dropped, labels of 1
// to 63 characters of [a-z0-9-_], 253 characters at most. nullopt for anything else (non-ASCII,
// NUL, '%', spaces, empty labels...): such a name is never looked up. Names reach the sandbox
// already IDNA-encoded (Python's socket module encodes them).
std::optional<std::string> normalize_host_name(std::string_view name);

class HostPattern {
 public:
  // "*", a name, or a name with '*' labels (see above); case-insensitive, one trailing dot
  // ignored. nullopt when it is none of these (e.g. "a*.com", "", ".", "a..b").
  static std::optional<HostPattern> parse(std::string_view pattern);

  // Whether `normalized_name` (from normalize_host_name) matches.
  bool matches(std::string_view normalized_name) const;

  // The normalized pattern ("*.example.com").
  const std::string& to_string() const { return text_; }
  bool matches_everything() const { return labels_.size() == 1 && labels_[0] == "*"; }

 private:
  std::string text_;
  std::vector<std::string> labels_;
};

}  // namespace eryx::net
