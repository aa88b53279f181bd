// The network of one sandbox instance, as the guest's net_* imports see it (docs/guest-abi.md,
// "Networking"): handles for TCP and TLS connections, name resolution, readiness polling. Engine-
// and guest-memory-free: src/host/net_imports.cpp marshals the guest's arguments and calls this.
//
// Every answer is an i32 as the guest gets it: a value >= 0 or an ERYX_NET_* status (< 0), with
// last_error() holding the message of the last failure. Every wait is bounded by the operation's
// timeout, the host's limits and the WaitControl (execution deadline, stop, interrupt).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/eryx_abi.h"

namespace eryx::net {

// One address as the guest sees it (net_resolve, net_peer).
struct AddressRecord {
  uint32_t family = ERYX_NET_IPV4;  // ERYX_NET_IPV4 / ERYX_NET_IPV6
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4
  uint32_t port = 0;
  uint32_t scope_id = 0;
};

// What ends a wait besides its own timeout.
struct WaitControl {
  std::optional<std::chrono::steady_clock::time_point> deadline;  // the execution's
  std::function<bool()> should_stop;     // hard stop: the caller traps (answer ERYX_NET_TIMED_OUT)
  std::function<bool()> interrupted;     // soft: answer ERYX_NET_INTERRUPTED
  std::function<bool()> callback_ready;  // net_poll with ERYX_POLL_WAKE_ON_CALLBACKS
};

struct PollEntry {
  uint32_t handle = 0;
  uint16_t events = 0;
  uint16_t revents = 0;
};

class NetSession {
 public:
  virtual ~NetSession() = default;

  virtual int32_t resolve(std::string_view name, uint32_t family, std::vector<AddressRecord>* out,
                          const WaitControl& wait) = 0;
  virtual int32_t connect(std::string_view host, uint32_t port, int64_t timeout_ms,
                          const WaitControl& wait) = 0;
  virtual int32_t send(uint32_t handle, std::span<const uint8_t> data, int64_t timeout_ms,
                       const WaitControl& wait) = 0;
  virtual int32_t recv(uint32_t handle, std::span<uint8_t> buffer, int64_t timeout_ms,
                       const WaitControl& wait) = 0;
  virtual int32_t shutdown(uint32_t handle, uint32_t how) = 0;
  virtual int32_t close(uint32_t handle) = 0;
  virtual int32_t poll(std::span<PollEntry> entries, int64_t timeout_ms, uint32_t flags,
                       const WaitControl& wait) = 0;
  virtual int32_t tls_start(uint32_t handle, std::string_view host, std::string_view alpn_wire,
                            int64_t timeout_ms, const WaitControl& wait) = 0;
  virtual int32_t tls_handshake(uint32_t handle) = 0;
  virtual int32_t tls_bio_new(std::string_view host, std::string_view alpn_wire) = 0;
  virtual int32_t tls_feed(uint32_t handle, std::span<const uint8_t> data, bool eof) = 0;
  virtual int32_t tls_drain(uint32_t handle, std::span<uint8_t> out) = 0;
  virtual int32_t tls_info(uint32_t handle, uint32_t what, std::string* out) = 0;
  virtual int32_t peer(uint32_t handle, uint32_t which, AddressRecord* out) = 0;
  // Records a failure the caller found itself (a malformed argument) and answers `status`.
  virtual int32_t refuse(int32_t status, std::string message) = 0;
  // The message of the last failed call.
  virtual const std::string& last_error() const = 0;
  // Live connections (TCP and TLS): what max_connections bounds.
  virtual size_t live_connections() const = 0;
};

// The network of a sandbox without a NetConfig: every call answers ERYX_NET_DISABLED.
NetSession& disabled_network();

// Most entries one net_poll takes; most addresses one net_resolve answers.
inline constexpr uint32_t kMaxPollEntries = 1024;
inline constexpr uint32_t kMaxResolvedAddresses = 32;
// Most bytes one net_send takes (the rest is the guest's to send again).
inline constexpr uint32_t kMaxSendChunk = 1024 * 1024;

}  // namespace eryx::net
