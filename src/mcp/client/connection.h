// One stdio MCP server: its process, the JSON-RPC exchange with it and the MCP handshake.
//
// The server is untrusted. Guarantees: every wait is bounded (a request times out; a write to a
// server that stops reading times out; close() ends the process within two grace periods); memory
// is bounded (a message longer than max_message_bytes, or anything on stdout that is not a
// JSON-RPC message, breaks the connection instead of being buffered; of stderr only the last
// stderr_tail_bytes are kept, for error messages); a server that exits, crashes or breaks the
// protocol fails every waiting and later request with an McpError saying so, and is ended.
// One reader thread per connection reads stdout and stderr; requests from any number of threads
// are matched to replies by id.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "eryx/mcp.hpp"
#include "mcp/client/process.h"
#include "mcp/protocol/jsonrpc.h"

#include <unistd.h>

namespace eryx::mcp {

// Protocol revisions eryx speaks over the initialize handshake, oldest to newest; it offers the
// newest and accepts any of these in the server's answer.
inline constexpr const char* kSupportedProtocolVersions[] = {"2024-11-05", "2025-03-26",
                                                             "2025-06-18", "2025-11-25"};

struct ConnectionOptions {
  std::string name;  // the server's name, for messages
  std::string command;
  std::vector<std::string> args;
  std::vector<std::string> environment;  // "NAME=VALUE", exactly the server's environment
  std::chrono::milliseconds timeout{30'000};
  size_t max_message_bytes = 8 * 1024 * 1024;
  size_t stderr_tail_bytes = 4096;
  std::chrono::milliseconds grace{
      2'000};  // close(): time to exit after stdin closes, after SIGTERM
};

class Connection {
 public:
  // Starts the server and performs the handshake (initialize, notifications/initialized).
  // Throws McpError: the server cannot be started, exits, hangs or answers something unusable.
  explicit Connection(ConnectionOptions options);
  ~Connection();  // close()
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The result of `method`, with object keys in the server's order. Throws McpError on a
  // timeout, a broken connection or an error reply (McpRemoteError).
  eryx::Json request(const std::string& method, Json params, std::chrono::milliseconds timeout);
  eryx::Json request(const std::string& method, Json params) {
    return request(method, std::move(params), options_.timeout);
  }

  const std::string& protocol_version() const { return protocol_version_; }
  const eryx::Json& server_capabilities() const { return capabilities_; }
  const std::string& name() const { return options_.name; }
  std::chrono::milliseconds timeout() const { return options_.timeout; }

  // Ends the server process (see ChildProcess::terminate) and the reader thread; later requests
  // fail. Idempotent, thread-safe.
  void close();

 private:
  struct Slot {
    bool done = false;
    std::optional<eryx::Json> result;
    std::optional<ErrorResponse> error;
  };
  using Clock = std::chrono::steady_clock;

  void handshake();
  void reader_loop();
  void handle_message(std::string_view line, const Message& message);
  void drain_stderr();  // what stderr holds now, without waiting
  void keep_stderr(std::string_view bytes);
  // Marks the connection unusable with `why` (the first reason wins), wakes every waiting request
  // and, from the reader thread, ends the process.
  void fail(std::string why);
  std::string failure_with_stderr(std::string why);
  // Writes one line; false (and fails the connection when a partial line was written) when it
  // cannot before `deadline`.
  bool write_line(const std::string& text, Clock::time_point deadline, std::string* why);
  void notify(const std::string& method, Json params);
  std::string prefix() const { return "MCP server '" + options_.name + "'"; }

  ConnectionOptions options_;
  std::unique_ptr<ChildProcess> process_;
  int wake_read_ = -1;
  int wake_write_ = -1;
  // In the child of a fork() the reader thread does not exist and the server belongs to the
  // parent: the child neither joins the one nor ends the other (the thread object is leaked).
  const pid_t owner_ = getpid();
  std::unique_ptr<std::thread> reader_;

  std::mutex mutex_;  // guards what follows
  std::condition_variable replied_;
  std::map<int64_t, std::shared_ptr<Slot>> pending_;
  std::optional<std::string> failure_;
  std::string stderr_tail_;
  bool closed_ = false;

  std::timed_mutex write_mutex_;  // one line at a time on the server's stdin
  std::atomic<int64_t> next_id_{1};
  std::mutex close_mutex_;

  std::string protocol_version_;
  eryx::Json capabilities_;
};

}  // namespace eryx::mcp
