// eryx.MCPManager: MCP servers whose tools are callbacks (include/eryx/mcp.hpp).
#pragma once

#include <vector>

#include "bindings.h"
#include "eryx/mcp.hpp"

namespace eryx::python {

// `callbacks` without its MCP managers (an MCPManager alone, or the MCPManager items of a list or
// tuple), which are appended to `managers`. What is left goes to eryx._callbacks.normalize(): None
// when nothing is.
nb::object take_mcp_managers(nb::handle callbacks, std::vector<const McpManager*>& managers);

}  // namespace eryx::python
