// MCP's Streamable HTTP transport (specification 2025-11-25) on cpp-httplib:
// - POST /mcp carries one JSON-RPC message. Notifications and responses get 202. A request gets
//   its reply as application/json, except tools/call when the client accepts text/event-stream:
//   then an SSE stream carries keep-alive comments while the code runs and the reply as one
//   `message` event. Writing those comments is how a closed connection is noticed (cpp-httplib
//   0.11 offers no other way): the call is then cancelled, since nothing could deliver its result
//   (this server keeps no stream to resume). A JSON reply cannot notice, so such a call runs to
//   its end.
// - `initialize` starts an MCP session: its id comes back in Mcp-Session-Id and every later request
//   must carry it (400 without, 404 for one unknown or ended). DELETE ends the session (its calls
//   are cancelled, its Python sessions closed); so does idleness. GET answers 405 (the server sends
//   no messages of its own).
// - Origin validation against DNS rebinding: a request whose Origin is not a loopback origin (or
//   one given with allowed_origins) gets 403. Bodies past max_message_bytes get 413.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "mcp/server/server.h"

namespace eryx::mcp::server {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  // Listening on an address outside 127.0.0.0/8 and ::1 must be asked for explicitly.
  bool allow_remote = false;
  std::vector<std::string> allowed_origins;  // exact origins, e.g. "https://app.example.com"
  size_t max_message_bytes = 16 * 1024 * 1024;
  size_t max_mcp_sessions = 64;
  std::chrono::milliseconds session_idle_timeout{600'000};
  std::chrono::milliseconds keepalive_interval{200};
  size_t threads = 16;  // connections served at once
  std::string path = "/mcp";
};

// "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT" (host 127.0.0.1). nullopt and `why` when malformed.
std::optional<HttpOptions> parse_http_address(const std::string& text, std::string& why);
// 127.0.0.0/8, ::1 or "localhost".
bool is_loopback_host(const std::string& host);

// Listens and serves until `stop` is called from another thread (or the listening fails); stop()
// cancels every call (their replies are dropped) and ends every MCP session.
// `on_listening` receives the port actually bound. Returns 0, or 2 when the address is refused or
// cannot be bound (the reason goes to `log`).
class HttpTransport {
 public:
  HttpTransport(Server& server, HttpOptions options, std::ostream& log);
  ~HttpTransport();
  int run(const std::function<void(int port)>& on_listening);
  void stop();
  // True while the listening loop runs (a stop() before it starts is ignored by cpp-httplib).
  bool listening() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eryx::mcp::server
