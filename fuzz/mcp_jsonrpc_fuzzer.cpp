// The MCP JSON-RPC codec over arbitrary bytes (what a client of `eryx serve` or a server started
// from --mcp-config may send): decode never throws, crashes or recurses without bound, and a
// decoded message encodes to text that decodes to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "mcp/protocol/jsonrpc.h"

namespace {
void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace eryx::mcp;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  DecodeLimits limits;
  limits.max_bytes = 1 << 16;
  limits.max_depth = 32;
  auto out = decode(bytes, limits);
  if (auto* error = std::get_if<DecodeError>(&out)) {
    require(!error->message.empty(), "a decode error has a message");
    return 0;
  }
  const auto& message = std::get<Message>(out);
  std::string text = encode(message);
  require(text.find('\n') == std::string::npos, "encoded text is one line");
  DecodeLimits again_limits;  // encoding adds no nesting, but may grow escapes
  again_limits.max_depth = limits.max_depth;
  auto again = decode(text, again_limits);
  require(std::holds_alternative<Message>(again), "encoded text decodes");
  require(std::get<Message>(again).index() == message.index(), "the kind survives a round trip");
  require(encode(std::get<Message>(again)) == text, "encoding is stable");
  return 0;
}
