// The Python objects that wrap C++ API objects (shared between binding files).
#pragma once

#include <memory>
#include <string>

#include "bindings.h"

namespace eryx::python {

struct PySandbox {
  std::unique_ptr<Sandbox> sandbox;
  InFlight in_flight;
  std::shared_ptr<PythonRefs> refs;  // reported to the cycle collector

  Sandbox& live() const;  // throws EryxError once the object was cleared by the collector
};

struct PySession {
  std::unique_ptr<Session> session;
  InFlight in_flight;
  // Reported to the cycle collector. A fork holds its own reference to its parent's tuple: each
  // wrapper reports the reference it owns, exactly once.
  std::shared_ptr<PythonRefs> refs;
  std::shared_ptr<VfsStorage> vfs;  // the storage mounted at vfs_mount_path, if any
  std::string vfs_mount_path;

  Session& live() const;
};

// tp_traverse / tp_clear slots for the wrapper types (see PythonRefs).
extern PyType_Slot sandbox_slots[];
extern PyType_Slot session_slots[];

}  // namespace eryx::python
