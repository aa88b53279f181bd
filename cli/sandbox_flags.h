// The sandbox flags (limits, network, volumes, secrets, packages, factory, MCP configuration),
// the same for every mode of the eryx command and for `python -m eryx`: added to a CLI11 app, then
// turned into a SandboxSetup. Every message names the flag as the user typed it.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "eryx/mcp.hpp"
#include "sandbox_setup.h"

namespace eryx::cli {

// A bad flag value found after parsing (a missing file, a malformed -v): exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the flags hold once parsed. Defaults are the C++ API's (eryx::ResourceLimits).
struct SandboxFlags {
  uint64_t timeout_ms = 0;     // set from ResourceLimits by add_sandbox_flags
  uint64_t max_memory_mb = 0;  // likewise
  uint64_t max_fuel = 0;       // 0: not metered
  bool net = false;
  std::vector<std::string> allow_hosts;
  bool allow_localhost = false;
  std::vector<std::string> root_cert_files;
  std::vector<std::string> secrets;  // NAME[=VALUE]
  std::vector<std::string> volumes;  // SRC:DST[:ro|:rw]
  std::vector<std::string> packages;
  std::vector<std::string> imports;
  std::optional<std::string> factory_file;
  std::vector<std::string> mcp_configs;
};

// Adds every sandbox flag to `app`, bound to `flags` (which must outlive the parse).
void add_sandbox_flags(CLI::App& app, SandboxFlags& flags);

// An eryx API message in the command line's terms: the options it names become the flags that set
// them ("max_memory_bytes" -> "--max-memory-mb", "NetConfig.allowed_hosts[0]" -> "--allow-host").
std::string in_flag_terms(std::string message);

// The sandboxes the flags describe. Throws UsageError for a bad value (naming the flag), and eryx
// errors from building a factory (--import: InitializationError when an import fails). With
// --mcp-config, `mcp` starts the servers (it must outlive every sandbox made) and their tools
// become callbacks; a server that fails to start throws McpError.
SandboxSetup make_setup(const SandboxFlags& flags, McpManager* mcp = nullptr);

}  // namespace eryx::cli
