// eryx.MCPManager: the C++ McpManager as it is. Its callbacks are C++ handlers (no Python runs
// when the guest calls an MCP tool), so they are added to a sandbox's registry directly rather
// than through eryx._callbacks.
#include "mcp.h"

#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <chrono>
#include <cmath>

namespace eryx::python {
namespace {

nb::object to_python(const Json& value) {
  return nb::module_::import_("json").attr("loads")(nb::str(value.dump().c_str()));
}

nb::dict tool_dict(const McpTool& tool) {
  nb::dict d;
  d["server"] = tool.server;
  d["name"] = tool.name;
  d["callback_name"] = tool.callback_name;
  d["title"] = tool.title;
  d["description"] = tool.description;
  d["input_schema"] = to_python(tool.input_schema);
  d["schema"] = d["input_schema"];  // pyeryx's key for it
  d["output_schema"] = to_python(tool.output_schema);
  return d;
}

}  // namespace

nb::object take_mcp_managers(nb::handle callbacks, std::vector<const McpManager*>& managers) {
  if (nb::isinstance<McpManager>(callbacks)) {
    managers.push_back(nb::inst_ptr<McpManager>(callbacks));
    return nb::none();
  }
  if (!PyList_Check(callbacks.ptr()) && !PyTuple_Check(callbacks.ptr())) {
    return nb::borrow(callbacks);
  }
  nb::list rest;
  bool any = false;
  for (nb::handle item : callbacks) {
    if (nb::isinstance<McpManager>(item)) {
      managers.push_back(nb::inst_ptr<McpManager>(item));
      any = true;
    } else {
      rest.append(item);
    }
  }
  if (!any) return nb::borrow(callbacks);
  return nb::len(rest) == 0 ? nb::none() : nb::object(rest);
}

void init_mcp(nb::module_& m) {
  nb::class_<McpManager>(
      m, "MCPManager",
      "MCP servers (stdio) whose tools sandboxed code calls as callbacks mcp.<server>.<tool>.\n"
      "Pass the manager as callbacks= (alone, or in a list with CallbackRegistry objects).")
      .def(nb::init<>(), "A manager with no servers; connect() starts them.")
      .def(
          "connect",
          [](McpManager& self, const std::string& name, const std::string& command,
             const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
             double timeout_secs) {
            if (!std::isfinite(timeout_secs) || timeout_secs <= 0 || timeout_secs > 86'400) {
              throw InvalidArgumentError("eryx: timeout_secs must be between 0 and 86400 seconds");
            }
            auto timeout = std::chrono::milliseconds(
                std::max<int64_t>(1, static_cast<int64_t>(std::llround(timeout_secs * 1000))));
            {
              nb::gil_scoped_release release;
              self.connect(name, command, args, env, timeout);
            }
            // As pyeryx: the number of tools the server offers.
            size_t tools = 0;
            for (const auto& tool : self.list_tools()) tools += tool.server == name ? 1 : 0;
            return tools;
          },
          nb::arg("name"), nb::arg("command"), nb::arg("args") = std::vector<std::string>{},
          nb::arg("env") = std::map<std::string, std::string>{}, nb::arg("timeout_secs") = 30.0,
          "Starts the server, performs the MCP handshake and lists its tools; returns how many it "
          "has. Raises MCPError.")
      .def(
          "list_tools",
          [](const McpManager& self) {
            nb::list out;
            for (const auto& tool : self.list_tools()) out.append(tool_dict(tool));
            return out;
          },
          "Every connected server's tools: dicts with server, name, callback_name, title,\n"
          "description, input_schema (also as schema, pyeryx's key) and output_schema.")
      .def_prop_ro("servers", &McpManager::servers, "Names of the connected servers.")
      .def_prop_ro("server_names", &McpManager::servers,
                   "Names of the connected servers (pyeryx's name for servers).")
      .def("close", &McpManager::close, nb::call_guard<nb::gil_scoped_release>(),
           "Ends every server process and reaps it. Idempotent.")
      .def("__enter__", [](nb::handle self) { return nb::borrow(self); })
      .def("__exit__", [](McpManager& self, nb::args) {
        nb::gil_scoped_release release;
        self.close();
      });
}

}  // namespace eryx::python
