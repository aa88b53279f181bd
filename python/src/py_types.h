// The Python objects that wrap C++ API objects (shared between binding files).
#pragma once

#include <memory>

#include "bindings.h"

namespace eryx::python {

struct PySandbox {
  std::unique_ptr<Sandbox> sandbox;
  InFlight in_flight;
};

struct PySession {
  std::unique_ptr<Session> session;
  InFlight in_flight;
};

}  // namespace eryx::python
