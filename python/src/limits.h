// The Python view of resource limits: the C++ limits plus the callback limits of the seeds' API,
// which take effect once callbacks exist (no callback can be registered yet).
#pragma once

#include <cstdint>
#include <optional>

#include "eryx/options.hpp"

namespace eryx::python {

struct PyResourceLimits {
  ResourceLimits core;
  std::optional<uint64_t> callback_timeout_ms = 10'000;
  std::optional<uint64_t> max_callback_invocations = 1000;
};

}  // namespace eryx::python
