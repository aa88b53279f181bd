// The `eryx` import module (docs/guest-abi.md) as plain C++ functions over a bounds-checked
// GuestMemory and the store's HostState: no engine here, so they are unit-tested and fuzzed without
// one. engine/host_functions.cpp binds each to Wasmtime with one generic adapter.
//
// Two levels of failure, as in the WASI layer: what the guest may legitimately get wrong is an
// answer (a status code of eryx_abi.h); what only a broken or hostile guest does (a pointer or
// length outside its memory, a kind that does not exist) is a Trap, which ends the call.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "host/host_state.h"
#include "wasi/guest_memory.h"

namespace eryx::host {

// Ends the guest call with `message`.
struct Trap {
  std::string message;
};

// A value for the guest, or a trap.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}   // NOLINT: implicit, like std::expected
  Result(Trap trap) : value_(std::move(trap)) {}  // NOLINT
  bool ok() const { return std::holds_alternative<T>(value_); }
  const T& value() const { return std::get<T>(value_); }
  const Trap& trap() const { return std::get<Trap>(value_); }

 private:
  std::variant<T, Trap> value_;
};

using Nothing = std::monostate;

// Longest string kept from one report_exception field; the rest is cut with a marker, so a guest
// cannot make the host allocate without bound.
inline constexpr uint32_t kMaxReportedField = 256 * 1024;
// Largest result JSON or state blob copied out of the guest; a bigger one is reported as too large.
inline constexpr uint32_t kMaxResultBytes = 64 * 1024 * 1024;

// report_exception(type, msg, tb): the exception the running code raised.
Result<Nothing> report_exception(HostState& state, wasi::GuestMemory& memory, uint32_t type_ptr,
                                 uint32_t type_len, uint32_t msg_ptr, uint32_t msg_len,
                                 uint32_t tb_ptr, uint32_t tb_len);

// report_result(kind, ptr, len): the answer of eryx_capture_result and the state exports.
Result<Nothing> report_result(HostState& state, wasi::GuestMemory& memory, uint32_t kind,
                              uint32_t ptr, uint32_t len);

// callback_start(name, args) -> handle, or ERYX_NO_CALL outside an execution.
Result<uint32_t> callback_start(HostState& state, wasi::GuestMemory& memory, uint32_t name_ptr,
                                uint32_t name_len, uint32_t args_ptr, uint32_t args_len);

// callback_wait(timeout_ms, out) -> ERYX_WAIT_*; out receives ERYX_WAIT_OUT_WORDS u32 when ready.
// Blocks (at most timeout_ms; -1: until the execution's deadline) and traps on a hard stop.
Result<uint32_t> callback_wait(HostState& state, wasi::GuestMemory& memory, int64_t timeout_ms,
                               uint32_t out_ptr);

// callback_take(handle, buf, len) -> payload size, or ERYX_TAKE_* (< 0).
Result<int32_t> callback_take(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                              uint32_t buf_ptr, uint32_t buf_len);

// Every import of the module, for the binding: X(name).
#define ERYX_HOST_IMPORTS(X) \
  X(report_exception)        \
  X(report_result)           \
  X(callback_start)          \
  X(callback_wait)           \
  X(callback_take)

}  // namespace eryx::host
