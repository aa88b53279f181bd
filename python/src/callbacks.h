// Python callbacks (eryx.CallbackRegistry, or a list of dicts) as a C++ CallbackRegistry.
#pragma once

#include "bindings.h"

namespace eryx::python {

// The registry of the specs (eryx._callbacks.normalize()'s list, or None: empty) at
// refs->item(index). Throws InvalidArgumentError for bad names or schemas.
CallbackRegistry make_registry(const std::shared_ptr<PythonRefs>& refs, size_t index);

}  // namespace eryx::python
