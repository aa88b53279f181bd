// `eryx serve`: the sandbox as an MCP server (docs/guide/mcp.md), over stdio by default or over
// Streamable HTTP with --http. Every sandbox flag applies to every tool call.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sandbox_setup.h"

namespace eryx::cli {

struct ServeOptions {
  std::optional<std::string> http;  // ADDR: [HOST:]PORT; unset: stdio
  bool http_allow_remote = false;
  std::vector<std::string> allowed_origins;
  uint64_t max_sessions = 16;
  uint64_t session_idle_timeout_s = 600;
  uint64_t max_concurrent_calls = 4;
  uint64_t max_message_mb = 16;
};

// Adds the `serve` subcommand, whose flags fill `options`; the sandbox flags stay the parent's
// (they may be written after `serve` too). Returns the subcommand, so the caller can tell it ran.
CLI::App* add_serve_command(CLI::App& app, ServeOptions& options);

// Serves until the client leaves (stdio: end of input) or a SIGINT/SIGTERM (HTTP). Returns the
// exit status: 0, or 2 for an address refused or not bound.
int run_serve(const SandboxSetup& setup, const ServeOptions& options);

// With --http, SIGINT and SIGTERM stop the server from a thread of run_serve's that takes them with
// sigwait, so every other thread must have them blocked: call this before anything starts a thread
// (making the sandboxes starts the runtime's), so that they all inherit the mask.
void block_stop_signals(const ServeOptions& options);

}  // namespace eryx::cli
