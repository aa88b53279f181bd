// McpManager (include/eryx/mcp.hpp): connections by name, their tools, and the callbacks.
#include <cstdlib>
#include <set>

#include "eryx/mcp.hpp"
#include "mcp/client/connection.h"
#include "mcp/client/tools.h"

namespace eryx {
namespace {

// What the official SDKs pass on from the host's environment to a stdio server.
constexpr const char* kInheritedVariables[] = {"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"};
// A server listing more is broken or hostile: each tool is a callback the registry copies.
constexpr size_t kMaxTools = 1000;
constexpr size_t kMaxPages = 100;

struct Server {
  std::string name;
  std::string identifier;
  std::shared_ptr<mcp::Connection> connection;
  std::vector<McpTool> tools;
};

bool has_nul(const std::string& text) { return text.find('\0') != std::string::npos; }

std::vector<std::string> environment_for(const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> merged;
  for (const char* name : kInheritedVariables) {
    const char* value = std::getenv(name);
    // A shell function exported by bash ("() { ...") is not a value to pass on.
    if (value != nullptr && std::string_view(value).substr(0, 2) != "()") merged[name] = value;
  }
  for (const auto& [name, value] : env) {
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name) || has_nul(value)) {
      throw InvalidArgumentError("eryx: invalid environment variable name '" + name +
                                 "' for an MCP server");
    }
    merged[name] = value;
  }
  std::vector<std::string> out;
  for (const auto& [name, value] : merged) out.push_back(name + "=" + value);
  return out;
}

std::string string_field(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<McpTool> list_server_tools(mcp::Connection& connection, const std::string& server,
                                       const std::string& server_identifier) {
  std::vector<McpTool> tools;
  if (!connection.server_capabilities().contains("tools")) return tools;
  std::set<std::string> identifiers;
  std::set<std::string> cursors;
  std::optional<std::string> cursor;
  for (size_t page = 0;; ++page) {
    if (page == kMaxPages) {
      throw McpError("MCP server '" + server + "' lists its tools in more than " +
                     std::to_string(kMaxPages) + " pages");
    }
    mcp::Json params = mcp::Json::object();
    if (cursor) params["cursor"] = *cursor;
    Json result = connection.request("tools/list", params);
    auto listed = result.is_object() ? result.find("tools") : result.end();
    if (!result.is_object() || listed == result.end() || !listed->is_array()) {
      throw McpError("MCP server '" + server + "' answered tools/list without a tools list");
    }
    for (const auto& entry : *listed) {
      if (!entry.is_object() || string_field(entry, "name").empty()) {
        throw McpError("MCP server '" + server + "' listed a tool without a name");
      }
      if (tools.size() == kMaxTools) {
        throw McpError("MCP server '" + server + "' lists more than " + std::to_string(kMaxTools) +
                       " tools");
      }
      McpTool tool;
      tool.server = server;
      tool.name = string_field(entry, "name");
      tool.title = string_field(entry, "title");
      tool.description = string_field(entry, "description");
      auto schema = entry.find("inputSchema");
      tool.input_schema = schema != entry.end() && schema->is_object()
                              ? *schema
                              : Json{{"type", "object"}, {"properties", Json::object()}};
      auto output = entry.find("outputSchema");
      if (output != entry.end() && output->is_object()) tool.output_schema = *output;
      std::string identifier = mcp::identifier_for(tool.name);
      std::string unique = identifier;
      for (int n = 2; !identifiers.insert(unique).second; ++n) {
        unique = identifier + "_" + std::to_string(n);
      }
      tool.callback_name = "mcp." + server_identifier + "." + unique;
      tools.push_back(std::move(tool));
    }
    auto next = result.find("nextCursor");
    if (next == result.end() || !next->is_string() || next->get<std::string>().empty()) break;
    cursor = next->get<std::string>();
    if (!cursors.insert(*cursor).second) {
      throw McpError("MCP server '" + server + "' repeated the tools/list cursor '" + *cursor +
                     "'");
    }
  }
  return tools;
}

Json call(const std::shared_ptr<mcp::Connection>& connection, const std::string& tool,
          const Json& arguments, const Json& output_schema) {
  Json result;
  try {
    result = connection->request("tools/call",
                                 mcp::Json{{"name", tool}, {"arguments", mcp::Json(arguments)}});
  } catch (const McpError& e) {
    throw CallbackError(e.what());
  }
  return mcp::guest_value(result, output_schema);
}

// A schema the callback registry takes: the tool's own, or (when the registry refuses it, e.g. a
// pattern RE2 cannot run) its property names in order, each accepting anything. The server
// validates the arguments again.
Callback callback_for(const McpTool& tool, std::shared_ptr<mcp::Connection> connection) {
  Callback callback;
  callback.name = tool.callback_name;
  callback.description = tool.description.empty() ? tool.title : tool.description;
  callback.parameters_schema = tool.input_schema;
  callback.handler = [connection = std::move(connection), name = tool.name,
                      output_schema = tool.output_schema](const Json& arguments) {
    return call(connection, name, arguments, output_schema);
  };
  return callback;
}

Json permissive_schema(const Json& schema) {
  Json properties = Json::object();
  if (auto p = schema.find("properties"); p != schema.end() && p->is_object()) {
    for (const auto& [key, value] : p->items()) properties[key] = Json::object();
  }
  return {{"type", "object"}, {"properties", properties}};
}

}  // namespace

struct McpManager::State {
  mutable std::mutex mutex;
  std::vector<std::shared_ptr<Server>> servers;
  std::set<std::string> names;  // connected and connecting, so two connects cannot take one name
  std::set<std::string> identifiers;
};

McpManager::McpManager() : state_(std::make_shared<State>()) {}
McpManager::~McpManager() {
  if (state_) close();
}
McpManager::McpManager(McpManager&&) noexcept = default;
McpManager& McpManager::operator=(McpManager&& other) noexcept {
  if (this != &other) {
    if (state_) close();
    state_ = std::move(other.state_);
  }
  return *this;
}

void McpManager::connect(const std::string& name, const std::string& command,
                         const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env,
                         std::chrono::milliseconds timeout) {
  McpServerOptions options;
  options.command = command;
  options.args = args;
  options.env = env;
  options.timeout = timeout;
  connect(name, options);
}

void McpManager::connect(const std::string& name, const McpServerOptions& options) {
  if (name.empty() || has_nul(name)) {
    throw InvalidArgumentError("eryx: an MCP server needs a name");
  }
  if (options.command.empty() || has_nul(options.command)) {
    throw InvalidArgumentError("eryx: MCP server '" + name + "' needs a command");
  }
  for (const auto& arg : options.args) {
    if (has_nul(arg)) {
      throw InvalidArgumentError("eryx: an argument of MCP server '" + name +
                                 "' contains a NUL byte");
    }
  }
  if (options.timeout.count() <= 0) {
    throw InvalidArgumentError("eryx: the timeout of MCP server '" + name + "' must be positive");
  }
  std::string identifier = mcp::identifier_for(name);
  mcp::ConnectionOptions connection_options;
  connection_options.name = name;
  connection_options.command = options.command;
  connection_options.args = options.args;
  connection_options.environment = environment_for(options.env);
  connection_options.timeout = options.timeout;
  connection_options.max_message_bytes = options.max_message_bytes;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->names.count(name) || state_->identifiers.count(identifier)) {
      throw InvalidArgumentError("eryx: an MCP server named '" + name + "' (callbacks mcp." +
                                 identifier + ".*) is already connected");
    }
    state_->names.insert(name);
    state_->identifiers.insert(identifier);
  }
  auto server = std::make_shared<Server>();
  try {
    server->name = name;
    server->identifier = identifier;
    server->connection = std::make_shared<mcp::Connection>(std::move(connection_options));
    server->tools = list_server_tools(*server->connection, name, identifier);
  } catch (...) {
    if (server->connection) server->connection->close();
    std::lock_guard lock(state_->mutex);
    state_->names.erase(name);
    state_->identifiers.erase(identifier);
    throw;
  }
  std::lock_guard lock(state_->mutex);
  state_->servers.push_back(std::move(server));
}

std::vector<McpTool> McpManager::list_tools() const {
  std::lock_guard lock(state_->mutex);
  std::vector<McpTool> out;
  for (const auto& server : state_->servers) {
    out.insert(out.end(), server->tools.begin(), server->tools.end());
  }
  return out;
}

std::vector<std::string> McpManager::servers() const {
  std::lock_guard lock(state_->mutex);
  std::vector<std::string> out;
  for (const auto& server : state_->servers) out.push_back(server->name);
  return out;
}

Json McpManager::call_tool(const std::string& server, const std::string& tool,
                           const Json& arguments) const {
  std::shared_ptr<Server> found;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& s : state_->servers) {
      if (s->name == server) found = s;
    }
  }
  if (!found) throw CallbackError("no MCP server named '" + server + "' is connected");
  Json output_schema;
  for (const auto& t : found->tools) {
    if (t.name == tool) output_schema = t.output_schema;
  }
  return call(found->connection, tool, arguments, output_schema);
}

void McpManager::add_callbacks(CallbackRegistry& registry) const {
  std::vector<std::shared_ptr<Server>> servers;
  {
    std::lock_guard lock(state_->mutex);
    servers = state_->servers;
  }
  std::set<std::string> taken;
  for (const auto& info : registry.list()) taken.insert(info.name);
  for (const auto& server : servers) {
    for (const auto& tool : server->tools) {
      if (taken.count(tool.callback_name)) {
        throw InvalidArgumentError("eryx: a callback named '" + tool.callback_name +
                                   "' is already registered");
      }
      Callback callback = callback_for(tool, server->connection);
      try {
        registry.add(callback);
      } catch (const InvalidArgumentError&) {
        // A schema the registry cannot use (the name was checked above).
        callback.parameters_schema = permissive_schema(tool.input_schema);
        registry.add(std::move(callback));
      }
    }
  }
}

CallbackRegistry McpManager::callbacks() const {
  CallbackRegistry registry;
  add_callbacks(registry);
  return registry;
}

void McpManager::close() {
  std::vector<std::shared_ptr<Server>> servers;
  {
    std::lock_guard lock(state_->mutex);
    servers.swap(state_->servers);
    state_->names.clear();
    state_->identifiers.clear();
  }
  for (const auto& server : servers) server->connection->close();
}

}  // namespace eryx
