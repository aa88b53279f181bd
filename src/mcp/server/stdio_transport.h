// MCP over a pair of file descriptors (stdin/stdout): newline-delimited JSON-RPC messages.
// Nothing but protocol messages is written to `out_fd`; diagnostics go to the log stream.
#pragma once

#include <cstddef>
#include <ostream>

#include "mcp/server/server.h"

namespace eryx::mcp::server {

struct StdioOptions {
  // A longer line is answered with an error (id null) and its bytes dropped as they arrive.
  size_t max_message_bytes = 16 * 1024 * 1024;
  // At end of input: how long running calls may take to end once cancelled.
  std::chrono::milliseconds shutdown_wait{5000};
};

// Serves one client until `in_fd` reaches end of input (or fails): then every call still running
// is cancelled and its reply dropped. Returns 0, or 1 when the calls did not end in time.
int serve_stdio(Server& server, int in_fd, int out_fd, const StdioOptions& options,
                std::ostream& log);

}  // namespace eryx::mcp::server
