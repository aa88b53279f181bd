#include "engine/host_functions.h"

#include <chrono>
#include <cstring>
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

// Callback imports (docs/guest-abi.md): start a call, wait for any completion, take its payload.
void define_callbacks(wasmtime::Linker& linker) {
  using Trap = wasmtime::Trap;
  check(linker.func_wrap(
            "eryx", "callback_start",
            [](wasmtime::Caller caller, uint32_t name_ptr, uint32_t name_len, uint32_t args_ptr,
               uint32_t args_len) -> wasmtime::Result<uint32_t, Trap> {
              StoreState& state = store_state(caller);
              GuestMemory memory = memory_view(caller, state);
              auto name = memory.string(name_ptr, name_len);
              auto args = memory.string(args_ptr, args_len);
              if (!name || !args) return Trap("eryx: callback_start with an out-of-bounds string");
              if (state.callbacks == nullptr) return 0u;  // not in an execution
              if (state.callbacks_running) state.callbacks_running->store(true);
              return state.callbacks->start(*name, *args);
            }),
        "callback_start");
  check(linker.func_wrap(
            "eryx", "callback_wait",
            [](wasmtime::Caller caller, int64_t timeout_ms,
               uint32_t out_ptr) -> wasmtime::Result<uint32_t, Trap> {
              StoreState& state = store_state(caller);
              if (!memory_view(caller, state).bytes(out_ptr, 12))
                return Trap("eryx: callback_wait with an out-of-bounds result pointer");
              if (state.callbacks == nullptr) return 2u;
              std::optional<callbacks::Broker::Clock::time_point> until;
              if (timeout_ms >= 0) {
                until = callbacks::Broker::Clock::now() + std::chrono::milliseconds(timeout_ms);
              }
              callbacks::Broker::Ready ready;
              auto result =
                  state.callbacks->wait(until, [&] { return state.should_stop(); }, &ready);
              switch (result) {
                case callbacks::Broker::WaitResult::kStopped:
                  return Trap("eryx: execution interrupted");
                case callbacks::Broker::WaitResult::kTimedOut:
                  return 0u;
                case callbacks::Broker::WaitResult::kIdle:
                  return 2u;
                case callbacks::Broker::WaitResult::kReady:
                  break;
              }
              // Memory may not move during a host call, but re-fetch it to be explicit.
              GuestMemory memory = memory_view(caller, state);
              uint32_t fields[3] = {ready.handle, static_cast<uint32_t>(ready.status),
                                    static_cast<uint32_t>(ready.payload_size)};
              for (uint32_t i = 0; i < 3; ++i) {
                if (!memory.write<uint32_t>(uint64_t{out_ptr} + 4 * i, fields[i]))
                  return Trap("eryx: callback_wait with an out-of-bounds result pointer");
              }
              return 1u;
            }),
        "callback_wait");
  check(linker.func_wrap("eryx", "callback_take",
                         [](wasmtime::Caller caller, uint32_t handle, uint32_t buf_ptr,
                            uint32_t buf_len) -> wasmtime::Result<int32_t, Trap> {
                           StoreState& state = store_state(caller);
                           GuestMemory memory = memory_view(caller, state);
                           auto buffer = memory.bytes(buf_ptr, buf_len);
                           if (!buffer)
                             return Trap("eryx: callback_take with an out-of-bounds buffer");
                           if (state.callbacks == nullptr) return -1;
                           callbacks::Broker::TakeError error;
                           auto completion = state.callbacks->take(handle, buf_len, &error);
                           if (!completion) {
                             return error == callbacks::Broker::TakeError::kTooSmall ? -2 : -1;
                           }
                           std::memcpy(buffer->data(), completion->payload.data(),
                                       completion->payload.size());
                           return static_cast<int32_t>(completion->payload.size());
                         }),
        "callback_take");
}

}  // namespace

void define_host_functions(wasmtime::Linker& linker) {
  define_wasi(linker);
  define_eryx(linker);
  define_result(linker);
  define_callbacks(linker);
}

}  // namespace eryx::engine
