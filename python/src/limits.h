// The Python view of resource limits (eryx.ResourceLimits): the C++ limits, keyword for keyword as
// the seeds define them, plus eryx's own (max_fuel, max_vfs_bytes, output and callback payload
// caps).
#pragma once

#include <cstdint>
#include <optional>

#include "bindings.h"
#include "eryx/options.hpp"

namespace eryx::python {

struct PyResourceLimits {
  ResourceLimits core;
};

// A timeout in milliseconds given to the API (e.g. Session.execution_timeout_ms): None or an int
// from 1 to 2**64-1; anything else raises ValueError/TypeError naming `field`.
std::optional<uint64_t> timeout_argument(nb::handle value, const char* field);

}  // namespace eryx::python
