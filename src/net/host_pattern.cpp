#include "net/host_pattern.h"

namespace eryx::net {
namespace {

constexpr size_t kMaxNameLength = 253;
constexpr size_t kMaxLabelLength = 63;

bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Lower-cased labels of `name` without its one trailing dot; '*' labels only if `wildcards`.
std::optional<std::vector<std::string>> split_labels(std::string_view name, bool wildcards) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxNameLength) return std::nullopt;
  std::vector<std::string> labels(1);
  for (char c : name) {
    if (c == '.') {
      labels.emplace_back();
      continue;
    }
    labels.back() += lower(c);
  }
  for (const auto& label : labels) {
    if (label.empty() || label.size() > kMaxLabelLength) return std::nullopt;
    if (wildcards && label == "*") continue;
    for (char c : label) {
      if (!label_char(c)) return std::nullopt;
    }
  }
  return labels;
}

std::vector<std::string_view> name_labels(std::string_view name) {
  std::vector<std::string_view> labels;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    labels.push_back(name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return labels;
    start = dot + 1;
  }
}

}  // namespace

std::optional<std::string> normalize_host_name(std::string_view name) {
  auto labels = split_labels(name, false);
  if (!labels) return std::nullopt;
  std::string normalized;
  for (const auto& label : *labels) {
    if (!normalized.empty()) normalized += '.';
    normalized += label;
  }
  return normalized;
}

std::optional<HostPattern> HostPattern::parse(std::string_view pattern) {
  auto labels = split_labels(pattern, true);
  if (!labels) return std::nullopt;
  HostPattern result;
  for (const auto& label : *labels) {
    if (!result.text_.empty()) result.text_ += '.';
    result.text_ += label;
  }
  result.labels_ = std::move(*labels);
  return result;
}

bool HostPattern::matches(std::string_view normalized_name) const {
  if (matches_everything()) return true;
  auto name = name_labels(normalized_name);
  bool leading_wildcard = labels_.front() == "*";
  size_t fixed = leading_wildcard ? labels_.size() - 1 : labels_.size();
  if (leading_wildcard ? name.size() <= fixed : name.size() != fixed) return false;
  // Compare the labels after the leading wildcard with the name's last labels.
  size_t offset = name.size() - fixed;
  for (size_t i = 0; i < fixed; ++i) {
    const std::string& want = labels_[labels_.size() - fixed + i];
    if (want != "*" && want != name[offset + i]) return false;
  }
  return true;
}

}  // namespace eryx::net
