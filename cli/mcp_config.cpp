#include "mcp_config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace eryx::cli {
namespace {

constexpr std::uintmax_t kMaxConfigBytes = 1024 * 1024;

std::string where(const std::filesystem::path& path) { return "--mcp-config " + path.string(); }

// An error's message without its leading "eryx: " (the CLI prints its own).
std::string bare(const std::exception& e) {
  std::string_view what = e.what();
  if (what.rfind("eryx: ", 0) == 0) what.remove_prefix(6);
  return std::string(what);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InvalidArgumentError(where(path) + ": cannot read the file: " + std::strerror(errno));
  }
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxConfigBytes) {
    throw InvalidArgumentError(where(path) + ": the file is larger than 1 MiB");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string string_of(const Json& value, const std::filesystem::path& path,
                      const std::string& what) {
  if (!value.is_string())
    throw InvalidArgumentError(where(path) + ": " + what + " must be a string");
  return value.get<std::string>();
}

}  // namespace

std::vector<McpServerEntry> load_mcp_config(const std::filesystem::path& path) {
  Json config;
  try {
    config = parse_json(read_file(path));
  } catch (const InvalidArgumentError& e) {
    if (std::string_view(e.what()).rfind("--mcp-config", 0) == 0) throw;
    throw InvalidArgumentError(where(path) + ": not valid JSON: " + bare(e));
  }
  auto servers = config.is_object() ? config.find("mcpServers") : config.end();
  if (!config.is_object() || servers == config.end() || !servers->is_object()) {
    throw InvalidArgumentError(where(path) +
                               ": expected {\"mcpServers\": {NAME: {\"command\": ...}}}");
  }
  std::vector<McpServerEntry> out;
  for (const auto& [name, server] : servers->items()) {
    const std::string subject = "server '" + name + "'";
    if (!server.is_object()) {
      throw InvalidArgumentError(where(path) + ": " + subject + " must be an object");
    }
    if (auto disabled = server.find("disabled");
        disabled != server.end() && disabled->is_boolean() && disabled->get<bool>()) {
      continue;
    }
    auto command = server.find("command");
    if (command == server.end()) {
      std::string hint =
          server.contains("url") ? " (only stdio servers are supported, not url)" : "";
      throw InvalidArgumentError(where(path) + ": " + subject + " has no \"command\"" + hint);
    }
    if (auto type = server.find("type"); type != server.end() && *type != "stdio") {
      throw InvalidArgumentError(where(path) + ": " + subject +
                                 ": only \"type\": \"stdio\" servers are supported");
    }
    McpServerEntry entry;
    entry.name = name;
    entry.command = string_of(*command, path, subject + "'s \"command\"");
    if (entry.command.empty()) {
      throw InvalidArgumentError(where(path) + ": " + subject + " has an empty \"command\"");
    }
    if (auto args = server.find("args"); args != server.end()) {
      if (!args->is_array()) {
        throw InvalidArgumentError(where(path) + ": " + subject +
                                   "'s \"args\" must be a list of strings");
      }
      for (const auto& arg : *args) {
        entry.args.push_back(string_of(arg, path, "each of " + subject + "'s \"args\""));
      }
    }
    if (auto env = server.find("env"); env != server.end()) {
      if (!env->is_object()) {
        throw InvalidArgumentError(where(path) + ": " + subject +
                                   "'s \"env\" must be an object of strings");
      }
      for (const auto& [key, value] : env->items()) {
        entry.env[key] = string_of(value, path, subject + "'s env " + key);
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

void add_mcp_servers(const std::vector<std::filesystem::path>& paths, McpManager& manager,
                     SandboxOptions& options) {
  for (const auto& path : paths) {
    for (const auto& server : load_mcp_config(path)) {
      try {
        manager.connect(server.name, server.command, server.args, server.env);
      } catch (const McpError& e) {
        throw McpError(where(path) + ": " + bare(e));
      } catch (const InvalidArgumentError& e) {
        throw InvalidArgumentError(where(path) + ": " + bare(e));
      }
    }
  }
  manager.add_callbacks(options.callbacks);
}

}  // namespace eryx::cli
