// The Python view of resource limits (eryx.ResourceLimits): the C++ limits, keyword for keyword as
// the seeds define them, plus eryx's own (max_fuel, max_vfs_bytes, output and callback payload
// caps).
#pragma once

#include "eryx/options.hpp"

namespace eryx::python {

struct PyResourceLimits {
  ResourceLimits core;
};

}  // namespace eryx::python
