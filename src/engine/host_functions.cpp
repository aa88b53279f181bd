#include "engine/host_functions.h"

#include <string>

#include "engine/store_state.h"
#include "host/eryx_imports.h"
#include "host/net_imports.h"
#include "wasi/guest_memory.h"
#include "wasi/preview1_functions.h"

namespace eryx::engine {
namespace {

using wasi::GuestMemory;
using wasi::WasiContext;

GuestMemory memory_view(wasmtime::Caller& caller, StoreState& state) {
  auto data = state.memory->data(caller.context());
  return GuestMemory(data.data(), data.size());
}

// Adapts a WasiContext member `uint32_t f(GuestMemory&, A...)` to a Wasm host function. The
// parameter types (uint32_t for i32, uint64_t for i64) define the import's signature.
template <auto Method>
struct WasiBinding;

template <typename... A, uint32_t (WasiContext::*Method)(GuestMemory&, A...)>
struct WasiBinding<Method> {
  static auto function() {
    return [](wasmtime::Caller caller, A... args) -> wasmtime::Result<uint32_t, wasmtime::Trap> {
      StoreState& state = store_state(caller);
      if (!state.memory) return wasmtime::Trap("eryx: WASI call before the memory was bound");
      GuestMemory memory = memory_view(caller, state);
      uint32_t err = ((*state.wasi).*Method)(memory, args...);
      if (state.wasi->interrupted()) return wasmtime::Trap("eryx: execution interrupted");
      // A wait woken for an interrupt: raise it now rather than at the next epoch tick.
      if (state.interrupt_pending()) state.act_on_interrupts(memory_view(caller, state));
      return err;
    };
  }
};

// proc_exit never returns to the guest: the context records the code, then the call traps (a host
// function cannot build a trap that carries an exit status).
template <typename... A, void (WasiContext::*Method)(GuestMemory&, A...)>
struct WasiBinding<Method> {
  static auto function() {
    return
        [](wasmtime::Caller caller, A... args) -> wasmtime::Result<std::monostate, wasmtime::Trap> {
          StoreState& state = store_state(caller);
          GuestMemory memory = memory_view(caller, state);
          ((*state.wasi).*Method)(memory, args...);
          return wasmtime::Trap("eryx: guest called proc_exit");
        };
  }
};

void check(wasmtime::Result<std::monostate> result, std::string_view name) {
  if (!result) {
    throw std::runtime_error("defining host function " + std::string(name) + ": " +
                             result.err().message());
  }
}

void define_wasi(wasmtime::Linker& linker) {
  constexpr std::string_view kModule = "wasi_snapshot_preview1";
#define ERYX_BIND_WASI(name) \
  check(linker.func_wrap(kModule, #name, WasiBinding<&WasiContext::name>::function()), #name);
  ERYX_WASI_PREVIEW1_FUNCTIONS(ERYX_BIND_WASI)
#undef ERYX_BIND_WASI
}

// Adapts an import of src/host, `host::Result<R> f(HostState&, GuestMemory&, A...)`, to a Wasm
// host function; the parameter types define the import's signature.
template <auto Function>
struct ImportBinding;

template <typename R, typename... A,
          host::Result<R> (*Function)(host::HostState&, GuestMemory&, A...)>
struct ImportBinding<Function> {
  static auto function() {
    return [](wasmtime::Caller caller, A... args) -> wasmtime::Result<R, wasmtime::Trap> {
      StoreState& state = store_state(caller);
      if (!state.memory) return wasmtime::Trap("eryx: host call before the memory was bound");
      GuestMemory memory = memory_view(caller, state);
      host::Result<R> result = Function(state, memory, args...);
      if (!result.ok()) return wasmtime::Trap(result.trap().message);
      return result.value();
    };
  }
};

void define_eryx(wasmtime::Linker& linker) {
#define ERYX_BIND_IMPORT(name) \
  check(linker.func_wrap("eryx", #name, ImportBinding<&host::name>::function()), #name);
  ERYX_HOST_IMPORTS(ERYX_BIND_IMPORT)
  ERYX_NET_IMPORTS(ERYX_BIND_IMPORT)
#undef ERYX_BIND_IMPORT
}

}  // namespace

void define_host_functions(wasmtime::Linker& linker) {
  define_wasi(linker);
  define_eryx(linker);
}

}  // namespace eryx::engine
