#include "host/eryx_imports.h"

#include <cstring>

#include "util/deadline.h"

namespace eryx::host {
namespace {

using callbacks::CallStatus;

static_assert(static_cast<uint32_t>(CallStatus::kOk) == ERYX_CALLBACK_OK);
static_assert(static_cast<uint32_t>(CallStatus::kError) == ERYX_CALLBACK_HANDLER_FAILED);
static_assert(static_cast<uint32_t>(CallStatus::kInvalidArguments) ==
              ERYX_CALLBACK_INVALID_ARGUMENTS);
static_assert(static_cast<uint32_t>(CallStatus::kUnknown) == ERYX_CALLBACK_UNKNOWN_NAME);
static_assert(static_cast<uint32_t>(CallStatus::kLimit) == ERYX_CALLBACK_LIMIT);
static_assert(static_cast<uint32_t>(CallStatus::kTimeout) == ERYX_CALLBACK_TIMEOUT);
static_assert(static_cast<uint32_t>(CallStatus::kTooLarge) == ERYX_CALLBACK_TOO_LARGE);

// A field of report_exception, cut at kMaxReportedField; nullopt when out of bounds.
std::optional<std::string> read_field(wasi::GuestMemory& memory, uint32_t ptr, uint32_t len) {
  auto text = memory.string(ptr, len);
  if (!text) return std::nullopt;
  if (len <= kMaxReportedField) return std::string(*text);
  return std::string(text->substr(0, kMaxReportedField)) + "\n... [truncated by eryx]";
}

}  // namespace

Result<Nothing> report_exception(HostState& state, wasi::GuestMemory& memory, uint32_t type_ptr,
                                 uint32_t type_len, uint32_t msg_ptr, uint32_t msg_len,
                                 uint32_t tb_ptr, uint32_t tb_len) {
  auto type = read_field(memory, type_ptr, type_len);
  auto message = read_field(memory, msg_ptr, msg_len);
  auto traceback = read_field(memory, tb_ptr, tb_len);
  if (!type || !message || !traceback) {
    return Trap{"eryx: report_exception with an out-of-bounds string"};
  }
  state.exception = GuestException{std::move(*type), std::move(*message), std::move(*traceback)};
  return Nothing{};
}

Result<Nothing> report_result(HostState& state, wasi::GuestMemory& memory, uint32_t kind,
                              uint32_t ptr, uint32_t len) {
  auto text = memory.string(ptr, len);
  if (!text || kind > ERYX_RESULT_ABSENT) return Trap{"eryx: malformed report_result"};
  GuestResult result;
  result.kind = static_cast<GuestResult::Kind>(kind);
  if (text->size() > kMaxResultBytes) {
    result.kind = GuestResult::Kind::kTooLarge;
    result.text = "result is too large: " + std::to_string(text->size()) +
                  " bytes of JSON (at most " + std::to_string(kMaxResultBytes) + ")";
  } else {
    result.text = std::string(*text);
  }
  state.result = std::move(result);
  return Nothing{};
}

Result<uint32_t> callback_start(HostState& state, wasi::GuestMemory& memory, uint32_t name_ptr,
                                uint32_t name_len, uint32_t args_ptr, uint32_t args_len) {
  auto name = memory.string(name_ptr, name_len);
  auto args = memory.string(args_ptr, args_len);
  if (!name || !args) return Trap{"eryx: callback_start with an out-of-bounds string"};
  if (state.callbacks == nullptr) return uint32_t{ERYX_NO_CALL};  // not in an execution
  if (state.callbacks_running) state.callbacks_running->store(true);
  if (state.callback_scrubber && state.callback_scrubber->contains_needle(*args)) {
    return state.callbacks->start(*name, state.callback_scrubber->scrub(*args));
  }
  return state.callbacks->start(*name, *args);
}

Result<uint32_t> callback_wait(HostState& state, wasi::GuestMemory& memory, int64_t timeout_ms,
                               uint32_t out_ptr) {
  if (!memory.contains(out_ptr, 4 * ERYX_WAIT_OUT_WORDS)) {
    return Trap{"eryx: callback_wait with an out-of-bounds result pointer"};
  }
  if (state.callbacks == nullptr) return uint32_t{ERYX_WAIT_IDLE};
  std::optional<callbacks::Broker::Clock::time_point> until;
  if (timeout_ms >= 0) until = util::deadline_in(static_cast<uint64_t>(timeout_ms));
  callbacks::Broker::Ready ready;
  // An interrupt ends the wait like its timeout, so the guest's event loop runs and raises it.
  auto result = state.callbacks->wait(
      until, [&] { return state.should_stop() || state.interrupt_pending(); }, &ready);
  switch (result) {
    case callbacks::Broker::WaitResult::kStopped:
      if (state.should_stop()) return Trap{"eryx: execution interrupted"};
      state.act_on_interrupts(memory);
      return uint32_t{ERYX_WAIT_TIMED_OUT};
    case callbacks::Broker::WaitResult::kTimedOut:
      return uint32_t{ERYX_WAIT_TIMED_OUT};
    case callbacks::Broker::WaitResult::kIdle:
      return uint32_t{ERYX_WAIT_IDLE};
    case callbacks::Broker::WaitResult::kReady:
      break;
  }
  const uint32_t fields[ERYX_WAIT_OUT_WORDS] = {ready.handle, static_cast<uint32_t>(ready.status),
                                                static_cast<uint32_t>(ready.payload_size)};
  for (uint32_t i = 0; i < ERYX_WAIT_OUT_WORDS; ++i) {
    if (!memory.write<uint32_t>(uint64_t{out_ptr} + 4 * i, fields[i])) {
      return Trap{"eryx: callback_wait with an out-of-bounds result pointer"};
    }
  }
  return uint32_t{ERYX_WAIT_READY};
}

Result<int32_t> callback_take(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                              uint32_t buf_ptr, uint32_t buf_len) {
  auto buffer = memory.bytes(buf_ptr, buf_len);
  if (!buffer) return Trap{"eryx: callback_take with an out-of-bounds buffer"};
  if (state.callbacks == nullptr) return int32_t{ERYX_TAKE_UNKNOWN_HANDLE};
  callbacks::Broker::TakeError error;
  auto completion = state.callbacks->take(handle, buf_len, &error);
  if (!completion) {
    return int32_t{error == callbacks::Broker::TakeError::kTooSmall ? ERYX_TAKE_BUFFER_TOO_SMALL
                                                                    : ERYX_TAKE_UNKNOWN_HANDLE};
  }
  std::memcpy(buffer->data(), completion->payload.data(), completion->payload.size());
  return static_cast<int32_t>(completion->payload.size());
}

}  // namespace eryx::host
