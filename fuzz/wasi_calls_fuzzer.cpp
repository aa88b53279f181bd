// Sequences of wasi_snapshot_preview1 calls over a GuestMemory, as a hostile guest would make them,
// on the default layout (read-only root and stdlib zip, writable /tmp) with small limits. Between
// calls the state may be snapshotted and restored (wasi/state_codec.h) or cloned (a fork), and the
// sequence goes on with the copy.
//
// Input: a list of operations, each a u8 opcode then its operands:
//   0..45  the preview1 function of that index in ERYX_WASI_PREVIEW1_FUNCTIONS, each argument read
//          as an i32 (u8 selector: < 0x80 a small value 0..15 taken from the selector, < 0xF0 a
//          u16, else a u32) or an i64 (u8 selector: < 0x80 small, < 0xC0 a u16, else a u64)
//   46     write bytes into guest memory: u16 address | u8 length | bytes
//   47     snapshot the WASI state and continue on a context restored from it
//   48     clone the context and continue on the clone
// Opcodes above 48 wrap around. The sequence ends when the input does, or when the engine would
// trap (proc_exit, an interrupted wait).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "fuzz_support.h"
#include "wasi/preview1_functions.h"

namespace {

using eryx::fuzz::Input;
using eryx::wasi::GuestMemory;
using eryx::wasi::WasiContext;

constexpr size_t kMemorySize = 64 * 1024;
constexpr uint32_t kLastErrno = 76;  // NOTCAPABLE

template <typename T>
T argument(Input& in) {
  auto selector = in.get<uint8_t>();
  if (selector < 0x80) return selector & 15;
  if constexpr (std::is_same_v<T, uint32_t>) {
    return selector < 0xF0 ? in.get<uint16_t>() : in.get<uint32_t>();
  } else {
    return selector < 0xC0 ? in.get<uint16_t>() : in.get<uint64_t>();
  }
}

// ERYX_FUZZ_TRACE=1 prints each call and its errno (to read what a seed or a crash does).
const bool kTrace = std::getenv("ERYX_FUZZ_TRACE") != nullptr;

template <typename R, typename... Args>
void call(WasiContext& context, R (WasiContext::*function)(GuestMemory&, Args...), GuestMemory& mem,
          Input& in, std::string_view name) {
  // Braced initialisation reads the arguments left to right.
  std::tuple<Args...> args{argument<Args>(in)...};
  if constexpr (std::is_void_v<R>) {
    std::apply([&](Args... a) { (context.*function)(mem, a...); }, args);
  } else {
    uint32_t result = std::apply([&](Args... a) { return (context.*function)(mem, a...); }, args);
    if (kTrace) std::fprintf(stderr, "%.*s -> %u\n", int(name.size()), name.data(), result);
    if (result > kLastErrno) eryx::fuzz::fail("a syscall returned no preview1 errno");
  }
}

using Call = void (*)(WasiContext&, GuestMemory&, Input&);
#define ERYX_FUZZ_CALL(name) \
  [](WasiContext& c, GuestMemory& m, Input& in) { call(c, &WasiContext::name, m, in, #name); },
constexpr Call kCalls[] = {ERYX_WASI_PREVIEW1_FUNCTIONS(ERYX_FUZZ_CALL)};
#undef ERYX_FUZZ_CALL
static_assert(std::size(kCalls) == eryx::wasi::kPreview1Functions.size());

constexpr uint8_t kWriteMemory = std::size(kCalls);
constexpr uint8_t kSnapshot = kWriteMemory + 1;
constexpr uint8_t kClone = kWriteMemory + 2;
constexpr uint8_t kOperations = kWriteMemory + 3;

// What a real snapshot of the context does: encode, then decode into a fresh context.
std::unique_ptr<WasiContext> snapshot(const WasiContext& context) {
  eryx::codec::Writer out;
  try {
    eryx::wasi::encode_state(context, out);
  } catch (const std::runtime_error&) {
    return nullptr;  // a state the format refuses (reported to the API caller as an error)
  }
  auto restored = eryx::fuzz::fresh_context(context.fd_table().max_fds());
  eryx::codec::Reader in(out.str());
  try {
    eryx::wasi::decode_state(in, *restored);
  } catch (const std::exception&) {
    eryx::fuzz::fail("the state of a live context does not restore");
  }
  if (!in.done()) eryx::fuzz::fail("a live context's state leaves trailing bytes");
  return restored;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  std::vector<uint8_t> bytes(kMemorySize);
  GuestMemory mem(bytes.data(), bytes.size());
  auto context = eryx::fuzz::fresh_context(16);
  while (!in.empty()) {
    uint8_t op = in.get<uint8_t>() % kOperations;
    if (op < kWriteMemory) {
      kCalls[op](*context, mem, in);
      if (context->exit_code() || context->interrupted()) break;  // the engine traps here
    } else if (op == kWriteMemory) {
      auto address = in.get<uint16_t>();
      auto chunk = in.bytes(in.get<uint8_t>());
      size_t n = std::min(chunk.size(), kMemorySize - address);
      std::memcpy(bytes.data() + address, chunk.data(), n);
    } else if (op == kSnapshot) {
      if (auto restored = snapshot(*context)) context = std::move(restored);
    } else if (op == kClone) {
      context = context->clone();
      context->set_interrupt_check([] { return true; });
    }
    if (context->open_fd_count() > context->fd_table().max_fds()) {
      eryx::fuzz::fail("more fds open than the table holds");
    }
  }
  return 0;
}
