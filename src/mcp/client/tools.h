// How MCP tools meet the guest: their names as identifiers, their results as values
// (include/eryx/mcp.hpp states both rules).
#pragma once

#include <string>
#include <string_view>

#include "eryx/callbacks.hpp"

namespace eryx::mcp {

// `name` as a Python identifier that is not a keyword nor of the form __x__, of at most 100
// characters.
std::string identifier_for(std::string_view name);

// What the guest's await returns for a tools/call result. Throws CallbackError when the result
// says isError, or is not a CallToolResult.
eryx::Json guest_value(const eryx::Json& result, const eryx::Json& output_schema);

}  // namespace eryx::mcp
