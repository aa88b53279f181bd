#include "engine/host_functions.h"

#include <string>

#include "engine/store_state.h"
#include "wasi/guest_memory.h"
#include "wasi/preview1_functions.h"

namespace eryx::engine {
namespace {

using wasi::GuestMemory;
using wasi::WasiContext;

// Longest string kept from one report_exception field; the rest is cut with a marker so a guest
// cannot make the host allocate without bound.
constexpr size_t kMaxReportedField = 256 * 1024;
// Largest result JSON copied out of the guest; a bigger one is reported as too large.
constexpr size_t kMaxResultJson = 64 * 1024 * 1024;

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

std::string read_field(GuestMemory& memory, uint32_t ptr, uint32_t len, bool& ok) {
  uint32_t kept = len > kMaxReportedField ? static_cast<uint32_t>(kMaxReportedField) : len;
  auto bytes = memory.bytes(ptr, len);
  if (!bytes) {
    ok = false;
    return {};
  }
  std::string text(reinterpret_cast<const char*>(bytes->data()), kept);
  if (kept < len) text += "\n... [truncated by eryx]";
  return text;
}

void define_wasi(wasmtime::Linker& linker) {
  constexpr std::string_view kModule = "wasi_snapshot_preview1";
#define ERYX_BIND_WASI(name) \
  check(linker.func_wrap(kModule, #name, WasiBinding<&WasiContext::name>::function()), #name);
  ERYX_WASI_PREVIEW1_FUNCTIONS(ERYX_BIND_WASI)
#undef ERYX_BIND_WASI
}

void define_eryx(wasmtime::Linker& linker) {
  check(linker.func_wrap("eryx", "report_exception",
                         [](wasmtime::Caller caller, uint32_t type_ptr, uint32_t type_len,
                            uint32_t msg_ptr, uint32_t msg_len, uint32_t tb_ptr,
                            uint32_t tb_len) -> wasmtime::Result<std::monostate, wasmtime::Trap> {
                           StoreState& state = store_state(caller);
                           GuestMemory memory = memory_view(caller, state);
                           bool ok = true;
                           GuestException exception;
                           exception.type_name = read_field(memory, type_ptr, type_len, ok);
                           exception.message = read_field(memory, msg_ptr, msg_len, ok);
                           exception.traceback = read_field(memory, tb_ptr, tb_len, ok);
                           if (!ok)
                             return wasmtime::Trap(
                                 "eryx: report_exception with an out-of-bounds string");
                           state.exception = std::move(exception);
                           return std::monostate();
                         }),
        "report_exception");
}

void define_result(wasmtime::Linker& linker) {
  check(linker.func_wrap("eryx", "report_result",
                         [](wasmtime::Caller caller, uint32_t kind, uint32_t ptr,
                            uint32_t len) -> wasmtime::Result<std::monostate, wasmtime::Trap> {
                           StoreState& state = store_state(caller);
                           GuestMemory memory = memory_view(caller, state);
                           auto text = memory.string(ptr, len);
                           if (!text || kind > 2)
                             return wasmtime::Trap("eryx: malformed report_result");
                           GuestResult result;
                           result.kind = static_cast<GuestResult::Kind>(kind);
                           if (text->size() > kMaxResultJson) {
                             result.kind = GuestResult::Kind::kTooLarge;
                             result.text = "result is too large: " + std::to_string(text->size()) +
                                           " bytes of JSON (at most " +
                                           std::to_string(kMaxResultJson) + ")";
                           } else {
                             result.text = std::string(*text);
                           }
                           state.result = std::move(result);
                           return std::monostate();
                         }),
        "report_result");
}

}  // namespace

void define_host_functions(wasmtime::Linker& linker) {
  define_wasi(linker);
  define_eryx(linker);
  define_result(linker);
}

}  // namespace eryx::engine
