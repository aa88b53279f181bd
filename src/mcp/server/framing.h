// The stdio transport's framing: one JSON-RPC message per line. The bytes come from a client we do
// not trust, so a line is never held beyond a fixed size: past it the rest of the line is dropped
// as it arrives and the line is reported as too long (the server answers it with an error).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eryx::mcp::server {

class LineFramer {
 public:
  struct Line {
    std::string text;       // without the newline (and without a '\r' before it)
    bool too_long = false;  // text is empty then: the line's bytes were dropped
  };

  explicit LineFramer(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Appends the lines `bytes` completes to `out`. Blank lines are skipped.
  void feed(std::string_view bytes, std::vector<Line>& out);
  // At end of input: the last line when it had no newline.
  std::optional<Line> finish();

  // Bytes held for the line in progress (never more than max_line_bytes).
  size_t buffered() const { return buffer_.size(); }

 private:
  void complete(std::vector<Line>& out);

  size_t max_line_bytes_;
  std::string buffer_;
  bool overflow_ = false;
};

}  // namespace eryx::mcp::server
