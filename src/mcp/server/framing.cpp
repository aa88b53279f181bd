#include "mcp/server/framing.h"

namespace eryx::mcp::server {

void LineFramer::complete(std::vector<Line>& out) {
  if (overflow_) {
    out.push_back(Line{{}, true});
  } else {
    if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
    if (!buffer_.empty()) out.push_back(Line{std::move(buffer_), false});
  }
  buffer_.clear();
  overflow_ = false;
}

void LineFramer::feed(std::string_view bytes, std::vector<Line>& out) {
  while (!bytes.empty()) {
    const size_t newline = bytes.find('\n');
    const std::string_view part = bytes.substr(0, newline);
    if (!overflow_) {
      // One byte of slack for a '\r' before the newline.
      if (buffer_.size() + part.size() > max_line_bytes_ + 1) {
        overflow_ = true;
        buffer_.clear();
        buffer_.shrink_to_fit();
      } else {
        buffer_.append(part);
      }
    }
    if (newline == std::string_view::npos) return;
    complete(out);
    bytes.remove_prefix(newline + 1);
  }
}

std::optional<LineFramer::Line> LineFramer::finish() {
  std::vector<Line> out;
  if (overflow_ || !buffer_.empty()) complete(out);
  if (out.empty()) return std::nullopt;
  return std::move(out.front());
}

}  // namespace eryx::mcp::server
