// --mcp-config PATH: MCP servers from a file in the format MCP clients share,
//   {"mcpServers": {"fs": {"command": "npx", "args": ["-y", "..."], "env": {"K": "V"}}}}
// started through an McpManager, their tools added to the sandboxes' callbacks
// (mcp.<server>.<tool>, include/eryx/mcp.hpp). A server with "disabled": true is skipped; other
// keys MCP clients use (autoApprove, ...) are ignored; a server without "command" (e.g. one with
// "url": not stdio) is an error.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "eryx/eryx.hpp"
#include "eryx/mcp.hpp"

namespace eryx::cli {

struct McpServerEntry {
  std::string name;
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
};

// The enabled servers of one file, in the file's order. Throws InvalidArgumentError naming the
// file: it cannot be read, is not JSON, has no "mcpServers" object, or a server entry is malformed.
std::vector<McpServerEntry> load_mcp_config(const std::filesystem::path& path);

// Starts every server of every file (in order) in `manager` and adds all their tools to
// options.callbacks. Throws InvalidArgumentError (a bad file, two servers with one name) or
// McpError (a server that fails to start), each naming the file.
void add_mcp_servers(const std::vector<std::filesystem::path>& paths, McpManager& manager,
                     SandboxOptions& options);

}  // namespace eryx::cli
