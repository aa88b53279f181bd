// Per-store host state: the engine-free HostState (src/host/host_state.h) plus the instance's
// memory handle, which only the engine may hold.
#pragma once

#include <optional>

#include <wasmtime.hh>

#include "host/host_state.h"

namespace eryx::engine {

using host::GuestException;
using host::GuestResult;
using host::HostWords;
using host::StopReason;

struct StoreState : host::HostState {
  std::optional<wasmtime::Memory> memory;  // the instance's exported memory, once instantiated
};

// The StoreState of the store a host call comes from.
inline StoreState& store_state(wasmtime::Caller& caller) {
  return *std::any_cast<StoreState*>(caller.context().get_data());
}

}  // namespace eryx::engine
