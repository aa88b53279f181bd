// Python callbacks (eryx.CallbackRegistry, or a list of dicts) as a C++ CallbackRegistry.
#pragma once

#include "bindings.h"

namespace eryx::python {

// None gives an empty registry. Raises (InvalidArgumentError / TypeError) for bad specs.
CallbackRegistry make_registry(nb::handle callbacks);

}  // namespace eryx::python
