// The Python view of eryx::NetConfig (eryx.NetConfig): pyeryx's keywords and builders.
#pragma once

#include "bindings.h"
#include "eryx/net.hpp"

namespace eryx::python {

struct PyNetConfig {
  NetConfig core;
};

void init_net(nb::module_& m);

}  // namespace eryx::python
