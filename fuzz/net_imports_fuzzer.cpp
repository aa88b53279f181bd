// Sequences of the `eryx` net_* imports (src/host/net_imports.cpp) over a GuestMemory, as a hostile
// guest would make them, on a sandbox network that can reach nothing (every address is in a
// blocked network and names resolve only through a static table), so no packet leaves the process.
// What is reached: bounds checks of every pointer and length, handle bookkeeping, polling, and the
// TLS client over memory buffers fed with the fuzzer's bytes as the "server's" records (OpenSSL
// parsing untrusted input through eryx's plumbing).
//
// Input: a list of operations, each a u8 opcode then its operands (u32 values are read as a u8
// selector: < 0x80 a small value 0..15 from the selector, < 0xF0 a u16, else a u32):
//   0 resolve(str, family, out_ptr, out_cap)     1 connect(str, port)
//   2 send(handle, ptr, len)                     3 recv(handle, ptr, cap)
//   4 shutdown(handle, how)                      5 close(handle)
//   6 poll(ptr, count, flags)                    7 tls_bio_new(str, str)
//   8 tls_feed(handle, u16 length + bytes, eof)  9 tls_drain(handle, ptr, cap)
//   10 tls_handshake(handle)                     11 tls_info(handle, what, ptr, cap)
//   12 peer(handle, which, ptr)                  13 error(ptr, cap)
//   14 write bytes into memory: u16 address | u8 length | bytes
//   15 tls_start(handle, str, str)
// A "str" is u8 length + bytes, written at a scratch address (or, when the length byte is 0xFF, a
// raw (ptr, len) pair of u32 values). Every wait has a zero timeout; the sequence ends at a trap.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "eryx/net.hpp"
#include "fuzz_support.h"
#include "host/net_imports.h"
#include "net/sandbox_network.h"

namespace {

using eryx::fuzz::Input;
using eryx::wasi::GuestMemory;
namespace host = eryx::host;

constexpr size_t kMemorySize = 64 * 1024;
constexpr uint32_t kScratch = 60 * 1024;  // where strings of the input are written

uint32_t value(Input& in) {
  auto selector = in.get<uint8_t>();
  if (selector < 0x80) return selector & 15;
  return selector < 0xF0 ? in.get<uint16_t>() : in.get<uint32_t>();
}

std::pair<uint32_t, uint32_t> text(Input& in, GuestMemory& memory, uint32_t slot) {
  auto length = in.get<uint8_t>();
  if (length == 0xFF) {
    uint32_t ptr = value(in);
    return {ptr, value(in)};
  }
  auto bytes = in.bytes(length);
  uint32_t at = kScratch + slot * 2048;
  (void)memory.write_bytes(at, bytes);
  return {at, static_cast<uint32_t>(bytes.size())};
}

std::shared_ptr<const eryx::net::SandboxNetwork> unreachable_network() {
  static const auto network = [] {
    eryx::NetConfig config;
    config.blocked_networks = {"0.0.0.0/0", "::/0"};
    config.system_roots = false;  // no 25 ms root loading per run; verification still fails closed
    auto resolver = std::make_shared<eryx::StaticResolver>();
    resolver->add("inward.test", {"127.0.0.1", "10.0.0.1"});
    resolver->add("public.test", {"93.184.216.34"});
    config.resolver = resolver;
    config.max_connections = 4;
    return eryx::net::SandboxNetwork::make(config);
  }();
  return network;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  std::vector<uint8_t> bytes(kMemorySize);
  GuestMemory memory(bytes.data(), bytes.size());
  host::HostState state;
  state.net = eryx::net::open_network(unreachable_network());
  // Any wait that is not answered at once ends the sequence (the import traps).
  state.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);

  while (in.left() > 0) {
    auto opcode = static_cast<uint8_t>(in.get<uint8_t>() % 16);
    bool trapped = false;
    auto check = [&](const auto& result) { trapped = !result.ok(); };
    switch (opcode) {
      case 0: {
        auto [p, n] = text(in, memory, 0);
        uint32_t family = value(in);
        uint32_t out = value(in);
        check(host::net_resolve(state, memory, p, n, family, out, value(in)));
        break;
      }
      case 1: {
        auto [p, n] = text(in, memory, 0);
        check(host::net_connect(state, memory, p, n, value(in), 0));
        break;
      }
      case 2: {
        uint32_t handle = value(in);
        uint32_t p = value(in);
        check(host::net_send(state, memory, handle, p, value(in), 0));
        break;
      }
      case 3: {
        uint32_t handle = value(in);
        uint32_t p = value(in);
        check(host::net_recv(state, memory, handle, p, value(in), 0));
        break;
      }
      case 4: {
        uint32_t handle = value(in);
        check(host::net_shutdown(state, memory, handle, value(in)));
        break;
      }
      case 5:
        check(host::net_close(state, memory, value(in)));
        break;
      case 6: {
        uint32_t p = value(in);
        uint32_t count = value(in);
        check(host::net_poll(state, memory, p, count, 0, value(in)));
        break;
      }
      case 7: {
        auto [hp, hn] = text(in, memory, 0);
        auto [ap, an] = text(in, memory, 1);
        check(host::net_tls_bio_new(state, memory, hp, hn, ap, an));
        break;
      }
      case 8: {
        uint32_t handle = value(in);
        auto record = in.bytes(in.get<uint16_t>() % 8192);
        (void)memory.write_bytes(0, record);
        check(host::net_tls_feed(state, memory, handle, 0, static_cast<uint32_t>(record.size()),
                                 in.get<uint8_t>() & 1));
        break;
      }
      case 9: {
        uint32_t handle = value(in);
        uint32_t p = value(in);
        check(host::net_tls_drain(state, memory, handle, p, value(in)));
        break;
      }
      case 10:
        check(host::net_tls_handshake(state, memory, value(in)));
        break;
      case 11: {
        uint32_t handle = value(in);
        uint32_t what = value(in);
        uint32_t p = value(in);
        check(host::net_tls_info(state, memory, handle, what, p, value(in)));
        break;
      }
      case 12: {
        uint32_t handle = value(in);
        uint32_t which = value(in);
        check(host::net_peer(state, memory, handle, which, value(in)));
        break;
      }
      case 13: {
        uint32_t p = value(in);
        check(host::net_error(state, memory, p, value(in)));
        break;
      }
      case 14: {
        auto at = in.get<uint16_t>();
        (void)memory.write_bytes(at, in.bytes(in.get<uint8_t>()));
        break;
      }
      case 15: {
        uint32_t handle = value(in);
        auto [hp, hn] = text(in, memory, 0);
        auto [ap, an] = text(in, memory, 1);
        check(host::net_tls_start(state, memory, handle, hp, hn, ap, an, 0));
        break;
      }
    }
    if (trapped) break;
    if (state.net->live_connections() != 0) {
      // Nothing is reachable: a live socket means the policy let a connection through.
      std::fprintf(stderr, "fuzz invariant: a connection was opened\n");
      std::abort();
    }
  }
  return 0;
}
