// The MCP server core of `eryx serve`, transport-agnostic: a transport (stdio, Streamable HTTP)
// opens one Connection per MCP client and hands it every message it decodes; replies come back
// through a callback, possibly from another thread and in any order.
//
// Guarantees:
// - The lifecycle is the specification's (2024-11-05 .. 2025-11-25, the `initialize` handshake):
//   before `initialize` only `ping` is answered; a client's protocol version is echoed when
//   supported, otherwise the latest supported one is offered.
// - Tool calls run on a fixed pool of worker threads with a bounded queue; a call past the queue
//   is refused with a tool error, never queued without bound. Other requests are answered on the
//   caller's thread at once.
// - A session runs one execution at a time; a second session_run while one runs is refused.
//   session_close interrupts the call running in it.
// - notifications/cancelled interrupts the call (KeyboardInterrupt in the guest, a hard stop when
//   the code does not end within a grace period) and its reply is not sent. A session keeps its
//   variables across an interrupt.
// - Closing a Connection (client gone) cancels its calls the same way and closes its sessions.
// - Sessions are capped (ServerLimits::max_sessions, across connections) and closed when idle for
//   ServerLimits::session_idle_timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "eryx/eryx.hpp"
#include "mcp/protocol/jsonrpc.h"

namespace eryx::mcp::server {

// How the server makes sandboxes: every sandbox flag of the command line is behind these.
struct SandboxMaker {
  // Runs `code` in a fresh sandbox writing its output to the two handlers, with `timeout_ms` as
  // its execution timeout (nullopt: none). Throws as Sandbox::execute.
  std::function<ExecuteResult(std::string_view code, OutputHandler on_stdout,
                              OutputHandler on_stderr, std::optional<uint64_t> timeout_ms,
                              const CancellationToken& cancel)>
      run_fresh;
  // A session writing its output to the two handlers.
  std::function<Session(OutputHandler on_stdout, OutputHandler on_stderr)> session;
  // The configured execution timeout (nullopt: none): a client's timeout_ms can only lower it.
  std::optional<uint64_t> timeout_ms;
  // Bytes of stdout and of stderr kept per call.
  uint64_t max_output_bytes = 1024 * 1024;
};

struct ServerLimits {
  size_t max_sessions = 16;
  std::chrono::milliseconds session_idle_timeout{600'000};
  size_t worker_threads = 4;  // tool calls running at once
  size_t max_queued_calls = 64;
  // How long an interrupted call may take to end before it is stopped hard.
  std::chrono::milliseconds interrupt_grace{2000};
};

// The protocol versions of the initialize handshake this server speaks, newest first.
inline constexpr const char* kSupportedProtocolVersions[] = {"2025-11-25", "2025-06-18",
                                                             "2025-03-26", "2024-11-05"};

class Server {
 public:
  // Where a request's reply goes. Called exactly once per request, from any thread; with
  // nullopt when the request was cancelled and no reply is to be sent. Not called for
  // notifications or responses.
  using Reply = std::function<void(std::optional<Message>)>;

  class Connection;

  Server(SandboxMaker maker, ServerLimits limits, std::string server_version);
  // Cancels every call, closes every session and waits for the workers.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::shared_ptr<Connection> open();
  // One message from the connection's client.
  void handle(const std::shared_ptr<Connection>& connection, Message message, Reply reply);
  // The client is gone: its calls are cancelled (their replies dropped) and its sessions closed.
  void close(const std::shared_ptr<Connection>& connection);

  // Calls queued or running, across connections (for tests and the transports' shutdown).
  size_t calls_in_flight() const;
  size_t live_sessions() const;
  // Waits until no call is queued or running, or `timeout` passes. True when none is left.
  bool wait_idle(std::chrono::milliseconds timeout) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eryx::mcp::server
