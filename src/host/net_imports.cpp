#include "host/net_imports.h"

#include <algorithm>
#include <cstring>

#include "net/net_session.h"

namespace eryx::host {
namespace {

net::NetSession& network(HostState& state) {
  return state.net ? *state.net : net::disabled_network();
}

// The limits of the running guest call, for the session's waits.
net::WaitControl wait_control(HostState& state) {
  net::WaitControl wait;
  wait.deadline = state.deadline;
  wait.should_stop = [&state] { return state.should_stop(); };
  wait.interrupted = [&state] { return state.interrupt_pending(); };
  wait.callback_ready = [&state] {
    if (state.callbacks == nullptr) return false;
    callbacks::Broker::Ready ready;
    return state.callbacks->wait(
               callbacks::Broker::Clock::now(), [] { return false; }, &ready) ==
           callbacks::Broker::WaitResult::kReady;
  };
  return wait;
}

// What a wait's answer becomes: a trap on a hard stop, the interrupt raised on a soft one.
Result<int32_t> finish_wait(HostState& state, wasi::GuestMemory& memory, int32_t answer) {
  if (state.should_stop()) return Trap{"eryx: execution interrupted"};
  if (answer == ERYX_NET_INTERRUPTED) state.act_on_interrupts(memory);
  return answer;
}

bool write_record(wasi::GuestMemory& memory, uint64_t at, const net::AddressRecord& record) {
  uint8_t bytes[ERYX_NET_ADDR_BYTES];
  std::memcpy(bytes, &record.family, 4);
  std::memcpy(bytes + 4, record.bytes.data(), 16);
  std::memcpy(bytes + 20, &record.port, 4);
  std::memcpy(bytes + 24, &record.scope_id, 4);
  return memory.write_bytes(at, std::span<const uint8_t>(bytes, sizeof bytes));
}

// Writes min(size, cap) bytes of `text` and answers its full size.
Result<int32_t> write_sized(wasi::GuestMemory& memory, uint32_t ptr, uint32_t cap,
                            std::string_view text, const char* import) {
  if (!memory.contains(ptr, cap)) return Trap{std::string("eryx: ") + import + " out of bounds"};
  size_t n = std::min<size_t>(text.size(), cap);
  if (!memory.write_bytes(ptr, text.substr(0, n))) {
    return Trap{std::string("eryx: ") + import + " out of bounds"};
  }
  return static_cast<int32_t>(std::min<size_t>(text.size(), INT32_MAX));
}

}  // namespace

Result<int32_t> net_resolve(HostState& state, wasi::GuestMemory& memory, uint32_t name_ptr,
                            uint32_t name_len, uint32_t family, uint32_t out_ptr,
                            uint32_t out_cap) {
  auto name = memory.string(name_ptr, name_len);
  if (!name || !memory.array(out_ptr, out_cap, ERYX_NET_ADDR_BYTES)) {
    return Trap{"eryx: net_resolve out of bounds"};
  }
  std::vector<net::AddressRecord> records;
  int32_t answer = network(state).resolve(*name, family, &records, wait_control(state));
  if (answer < 0) return finish_wait(state, memory, answer);
  uint32_t n = std::min<uint32_t>(out_cap, static_cast<uint32_t>(records.size()));
  for (uint32_t i = 0; i < n; ++i) {
    if (!write_record(memory, uint64_t{out_ptr} + uint64_t{i} * ERYX_NET_ADDR_BYTES, records[i])) {
      return Trap{"eryx: net_resolve out of bounds"};
    }
  }
  return static_cast<int32_t>(n);
}

Result<int32_t> net_connect(HostState& state, wasi::GuestMemory& memory, uint32_t host_ptr,
                            uint32_t host_len, uint32_t port, int64_t timeout_ms) {
  auto host = memory.string(host_ptr, host_len);
  if (!host) return Trap{"eryx: net_connect out of bounds"};
  int32_t answer = network(state).connect(*host, port, timeout_ms, wait_control(state));
  return finish_wait(state, memory, answer);
}

Result<int32_t> net_send(HostState& state, wasi::GuestMemory& memory, uint32_t handle, uint32_t ptr,
                         uint32_t len, int64_t timeout_ms) {
  auto data = memory.bytes(ptr, len);
  if (!data) return Trap{"eryx: net_send out of bounds"};
  auto chunk = data->first(std::min<size_t>(data->size(), net::kMaxSendChunk));
  int32_t answer = network(state).send(handle, chunk, timeout_ms, wait_control(state));
  return finish_wait(state, memory, answer);
}

Result<int32_t> net_recv(HostState& state, wasi::GuestMemory& memory, uint32_t handle, uint32_t ptr,
                         uint32_t cap, int64_t timeout_ms) {
  auto buffer = memory.bytes(ptr, cap);
  if (!buffer) return Trap{"eryx: net_recv out of bounds"};
  // Capped like a send: one call never holds the guest longer than one chunk's worth of I/O.
  auto window = buffer->first(std::min<size_t>(buffer->size(), net::kMaxSendChunk));
  int32_t answer = network(state).recv(handle, window, timeout_ms, wait_control(state));
  return finish_wait(state, memory, answer);
}

Result<int32_t> net_shutdown(HostState& state, wasi::GuestMemory&, uint32_t handle, uint32_t how) {
  return network(state).shutdown(handle, how);
}

Result<int32_t> net_close(HostState& state, wasi::GuestMemory&, uint32_t handle) {
  return network(state).close(handle);
}

Result<int32_t> net_poll(HostState& state, wasi::GuestMemory& memory, uint32_t entries_ptr,
                         uint32_t count, int64_t timeout_ms, uint32_t flags) {
  auto raw = memory.array(entries_ptr, count, ERYX_NET_POLL_ENTRY_BYTES);
  if (!raw) return Trap{"eryx: net_poll out of bounds"};
  if (count > net::kMaxPollEntries) {
    // Refused before any work: the host copies at most kMaxPollEntries entries.
    return network(state).refuse(
        ERYX_NET_INVALID,
        "net_poll: more than " + std::to_string(net::kMaxPollEntries) + " entries");
  }
  std::vector<net::PollEntry> entries(count);
  for (uint32_t i = 0; i < count; ++i) {
    std::memcpy(&entries[i].handle, raw->data() + i * ERYX_NET_POLL_ENTRY_BYTES, 4);
    std::memcpy(&entries[i].events, raw->data() + i * ERYX_NET_POLL_ENTRY_BYTES + 4, 2);
    entries[i].revents = 0;
  }
  int32_t answer = network(state).poll(entries, timeout_ms, flags, wait_control(state));
  // The span was checked before the wait and guest memory cannot shrink during a host call.
  for (uint32_t i = 0; i < count; ++i) {
    std::memcpy(raw->data() + i * ERYX_NET_POLL_ENTRY_BYTES + 6, &entries[i].revents, 2);
  }
  return finish_wait(state, memory, answer);
}

Result<int32_t> net_tls_start(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                              uint32_t host_ptr, uint32_t host_len, uint32_t alpn_ptr,
                              uint32_t alpn_len, int64_t timeout_ms) {
  auto host = memory.string(host_ptr, host_len);
  auto alpn = memory.string(alpn_ptr, alpn_len);
  if (!host || !alpn) return Trap{"eryx: net_tls_start out of bounds"};
  int32_t answer = network(state).tls_start(handle, *host, *alpn, timeout_ms, wait_control(state));
  return finish_wait(state, memory, answer);
}

Result<int32_t> net_tls_handshake(HostState& state, wasi::GuestMemory&, uint32_t handle) {
  return network(state).tls_handshake(handle);
}

Result<int32_t> net_tls_bio_new(HostState& state, wasi::GuestMemory& memory, uint32_t host_ptr,
                                uint32_t host_len, uint32_t alpn_ptr, uint32_t alpn_len) {
  auto host = memory.string(host_ptr, host_len);
  auto alpn = memory.string(alpn_ptr, alpn_len);
  if (!host || !alpn) return Trap{"eryx: net_tls_bio_new out of bounds"};
  return network(state).tls_bio_new(*host, *alpn);
}

Result<int32_t> net_tls_feed(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                             uint32_t ptr, uint32_t len, uint32_t eof) {
  auto data = memory.bytes(ptr, len);
  if (!data) return Trap{"eryx: net_tls_feed out of bounds"};
  return network(state).tls_feed(handle, *data, eof != 0);
}

Result<int32_t> net_tls_drain(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                              uint32_t ptr, uint32_t cap) {
  auto out = memory.bytes(ptr, cap);
  if (!out) return Trap{"eryx: net_tls_drain out of bounds"};
  return network(state).tls_drain(handle, *out);
}

Result<int32_t> net_tls_info(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                             uint32_t what, uint32_t ptr, uint32_t cap) {
  if (!memory.contains(ptr, cap)) return Trap{"eryx: net_tls_info out of bounds"};
  std::string info;
  int32_t answer = network(state).tls_info(handle, what, &info);
  if (answer < 0) return answer;
  return write_sized(memory, ptr, cap, info, "net_tls_info");
}

Result<int32_t> net_peer(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                         uint32_t which, uint32_t out_ptr) {
  if (!memory.contains(out_ptr, ERYX_NET_ADDR_BYTES)) return Trap{"eryx: net_peer out of bounds"};
  net::AddressRecord record;
  int32_t answer = network(state).peer(handle, which, &record);
  if (answer < 0) return answer;
  if (!write_record(memory, out_ptr, record)) return Trap{"eryx: net_peer out of bounds"};
  return int32_t{0};
}

Result<int32_t> net_error(HostState& state, wasi::GuestMemory& memory, uint32_t ptr, uint32_t cap) {
  return write_sized(memory, ptr, cap, network(state).last_error(), "net_error");
}

}  // namespace eryx::host
