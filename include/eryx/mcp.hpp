// MCP tools as callbacks: eryx starts Model Context Protocol servers (stdio transport), lists their
// tools and exposes each one to sandboxed Python as the callback `mcp.<server>.<tool>`.
//
//   eryx::McpManager mcp;
//   mcp.connect("fs", "npx", {"-y", "@modelcontextprotocol/server-filesystem", "/tmp"});
//   eryx::SandboxOptions options;
//   mcp.add_callbacks(options.callbacks);
//   eryx::Sandbox(options).execute("print(await mcp.fs.read_text_file(path='/tmp/x'))");
//
// Names. The server's name and each tool's name become identifiers: every character other than
// an ASCII letter, digit or '_' becomes '_' ("read-file" -> "read_file", "files.read" ->
// "files_read"); a leading digit gets a '_' in front; a Python keyword gets a '_' after ("import"
// -> "import_"); a name of the form __x__ loses its leading underscores; names are cut at 100
// characters. Two tools of one server
// that map to the same name get "_2", "_3", ... after the later ones. The call uses the tool's own
// name. McpTool::callback_name tells the mapped name.
//
// Results. What the guest's `await` returns for a tool result:
//   - isError: the call raises eryx.CallbackError with the text of the result's text items;
//   - structuredContent, when present: that value, except that {"result": X} is unwrapped to X
//     when the tool's outputSchema has "result" as its only property (how the official SDKs wrap a
//     tool that returns a str, int, list, ...);
//   - otherwise, when every content item is text: their texts joined by "\n" (a str);
//   - otherwise: the content items as the MCP specification defines them (a list of dicts, e.g.
//     {"type": "image", "data": "<base64>", "mimeType": "image/png"}).
// A server that crashes, hangs past the timeout, or sends what is not MCP fails the call with
// eryx.CallbackError saying so; it never hangs the host.
//
// Environment. A server gets HOME, LOGNAME, PATH, SHELL, TERM and USER from the host's environment
// (as the official SDKs pass on) plus the `env` given to connect(), never the rest of the host's
// environment (secrets). Its stderr is kept (the last 4 KiB) for error messages, not printed.
//
// The tool list is read once, at connect(). McpManager is thread-safe; the callbacks it adds stay
// valid after the manager is closed or destroyed, and then fail with CallbackError.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eryx/callbacks.hpp"
#include "eryx/errors.hpp"

namespace eryx {

// An MCP server could not be started, did not complete the handshake, or failed a request.
class McpError : public Error {
 public:
  using Error::Error;
};

struct McpTool {
  std::string server;         // the server's name, as given to connect()
  std::string name;           // the tool's name, as the server spells it
  std::string callback_name;  // "mcp.<server>.<tool>" with both mapped to identifiers
  std::string title;          // empty when the server gives none
  std::string description;
  Json input_schema;   // JSON Schema of the arguments, as the server gave it
  Json output_schema;  // null when the server gives none
};

struct McpServerOptions {
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // added to the inherited HOME, PATH, ... (see above)
  // Bounds the handshake, tools/list and each tool call.
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  // Longest message accepted from the server; a longer one breaks the connection.
  size_t max_message_bytes = 8 * 1024 * 1024;
};

class McpManager {
 public:
  McpManager();
  ~McpManager();  // close()
  McpManager(McpManager&&) noexcept;
  McpManager& operator=(McpManager&&) noexcept;
  McpManager(const McpManager&) = delete;
  McpManager& operator=(const McpManager&) = delete;

  // Starts the server, performs the MCP handshake and lists its tools. Throws
  // InvalidArgumentError (empty name or command, a name already connected) or McpError (the
  // server cannot be started, exits, times out, speaks an MCP version eryx does not, ...).
  void connect(const std::string& name, const McpServerOptions& options);
  void connect(const std::string& name, const std::string& command,
               const std::vector<std::string>& args = {},
               const std::map<std::string, std::string>& env = {},
               std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Every connected server's tools, in connection order and the servers' order.
  std::vector<McpTool> list_tools() const;
  std::vector<std::string> servers() const;

  // Calls a tool directly (what the callback does): the guest-facing value described above.
  // Throws CallbackError.
  Json call_tool(const std::string& server, const std::string& tool, const Json& arguments) const;

  // Adds every tool as a callback `mcp.<server>.<tool>` to `registry`. Throws
  // InvalidArgumentError when a name is already in the registry.
  void add_callbacks(CallbackRegistry& registry) const;
  CallbackRegistry callbacks() const;

  // Ends every server process (closing its stdin, then SIGTERM, then SIGKILL, each after a grace
  // period) and reaps it. Idempotent.
  void close();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace eryx
