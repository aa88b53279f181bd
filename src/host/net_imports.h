// The `eryx` module's networking imports (docs/guest-abi.md, "Networking"): marshalling between
// guest memory and the store's net::NetSession, which does the work. Out-of-bounds pointers trap;
// everything else is an answer (a value >= 0 or an ERYX_NET_* status).
#pragma once

#include <cstdint>

#include "host/eryx_imports.h"

namespace eryx::host {

Result<int32_t> net_resolve(HostState& state, wasi::GuestMemory& memory, uint32_t name_ptr,
                            uint32_t name_len, uint32_t family, uint32_t out_ptr, uint32_t out_cap);
Result<int32_t> net_connect(HostState& state, wasi::GuestMemory& memory, uint32_t host_ptr,
                            uint32_t host_len, uint32_t port, int64_t timeout_ms);
Result<int32_t> net_send(HostState& state, wasi::GuestMemory& memory, uint32_t handle, uint32_t ptr,
                         uint32_t len, int64_t timeout_ms);
Result<int32_t> net_recv(HostState& state, wasi::GuestMemory& memory, uint32_t handle, uint32_t ptr,
                         uint32_t cap, int64_t timeout_ms);
Result<int32_t> net_shutdown(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                             uint32_t how);
Result<int32_t> net_close(HostState& state, wasi::GuestMemory& memory, uint32_t handle);
Result<int32_t> net_poll(HostState& state, wasi::GuestMemory& memory, uint32_t entries_ptr,
                         uint32_t count, int64_t timeout_ms, uint32_t flags);
Result<int32_t> net_tls_start(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                              uint32_t host_ptr, uint32_t host_len, uint32_t alpn_ptr,
                              uint32_t alpn_len, int64_t timeout_ms);
Result<int32_t> net_tls_handshake(HostState& state, wasi::GuestMemory& memory, uint32_t handle);
Result<int32_t> net_tls_bio_new(HostState& state, wasi::GuestMemory& memory, uint32_t host_ptr,
                                uint32_t host_len, uint32_t alpn_ptr, uint32_t alpn_len);
Result<int32_t> net_tls_feed(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                             uint32_t ptr, uint32_t len, uint32_t eof);
Result<int32_t> net_tls_drain(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                              uint32_t ptr, uint32_t cap);
Result<int32_t> net_tls_info(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                             uint32_t what, uint32_t ptr, uint32_t cap);
Result<int32_t> net_peer(HostState& state, wasi::GuestMemory& memory, uint32_t handle,
                         uint32_t which, uint32_t out_ptr);
Result<int32_t> net_error(HostState& state, wasi::GuestMemory& memory, uint32_t ptr, uint32_t cap);

#define ERYX_NET_IMPORTS(X) \
  X(net_resolve)            \
  X(net_connect)            \
  X(net_send)               \
  X(net_recv)               \
  X(net_shutdown)           \
  X(net_close)              \
  X(net_poll)               \
  X(net_tls_start)          \
  X(net_tls_handshake)      \
  X(net_tls_bio_new)        \
  X(net_tls_feed)           \
  X(net_tls_drain)          \
  X(net_tls_info)           \
  X(net_peer)               \
  X(net_error)

}  // namespace eryx::host
