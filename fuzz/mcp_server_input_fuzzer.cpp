// What `eryx serve` makes of a client's bytes before any sandbox runs: the stdio framing (fed in
// chunks of any size), the JSON-RPC codec, and the tools/call argument checks. No line is held
// past the cap, the lines are exactly the input's non-blank lines, and nothing throws.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "mcp/protocol/jsonrpc.h"
#include "mcp/server/framing.h"
#include "mcp/server/tools.h"

namespace {

void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

// The input's lines as the framer should give them, when none is too long.
std::vector<std::string> expected_lines(std::string_view bytes) {
  std::vector<std::string> lines;
  while (!bytes.empty()) {
    const size_t newline = bytes.find('\n');
    std::string line(bytes.substr(0, newline));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    if (newline == std::string_view::npos) break;
    bytes.remove_prefix(newline + 1);
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace eryx::mcp;
  eryx::fuzz::Input in(data, size);
  const size_t max_line = 1 + size_t{in.get<uint8_t>()} * 16;
  const size_t chunk = 1 + size_t{in.get<uint8_t>()};
  const std::string_view input = in.rest();

  server::LineFramer framer(max_line);
  std::vector<server::LineFramer::Line> lines;
  for (std::string_view rest = input; !rest.empty();) {
    const std::string_view part = rest.substr(0, chunk);
    rest.remove_prefix(part.size());
    framer.feed(part, lines);
    require(framer.buffered() <= max_line + 1, "a line in progress stays under the cap");
  }
  if (auto last = framer.finish()) lines.push_back(std::move(*last));

  bool any_too_long = false;
  std::vector<std::string> texts;
  for (const auto& line : lines) {
    require(line.too_long == line.text.empty(), "only a dropped line is empty");
    require(line.text.size() <= max_line + 1, "a line is never longer than the cap");
    require(line.text.find('\n') == std::string::npos, "a line holds no newline");
    any_too_long = any_too_long || line.too_long;
    texts.push_back(line.text);
  }
  if (!any_too_long) require(texts == expected_lines(input), "the lines are the input's lines");

  DecodeLimits limits;
  limits.max_bytes = max_line + 1;
  limits.max_depth = 32;
  for (const auto& line : lines) {
    if (line.too_long) continue;
    auto decoded = decode(line.text, limits);
    auto* message = std::get_if<Message>(&decoded);
    if (!message) continue;
    // Any params, not only those of a tools/call, reach the argument checks here.
    const Json* params = nullptr;
    if (auto* r = std::get_if<Request>(message)) params = &r->params;
    if (auto* n = std::get_if<Notification>(message)) params = &n->params;
    if (!params) continue;
    auto call = server::parse_tool_call(*params);
    if (auto* error = std::get_if<server::ToolCallError>(&call))
      require(!error->message.empty(), "a refused call says why");
  }
  return 0;
}
