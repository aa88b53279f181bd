// The connection table of one sandbox instance: real sockets opened by the host after the policy
// checked the name and every address, TLS in the host, readiness polling. See net_session.h.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <unordered_map>

#include "net/fd_wait.h"
#include "net/ip_address.h"
#include "net/name_lookup.h"
#include "net/sandbox_network.h"
#include "net/tls_client.h"
#include "util/deadline.h"

namespace eryx::net {
namespace {

using Clock = std::chrono::steady_clock;

// Most names (and addresses handed to the guest) remembered per instance.
constexpr size_t kMaxRememberedNames = 256;
constexpr size_t kMaxRememberedAddresses = 1024;
// Names remembered for one handed-out address; an address shared by more names than this carries
// no secret (see Connection::target_names).
constexpr size_t kMaxNamesPerAddress = 8;
// How much longer than the guest's chunk the rewritten bytes may be: a secret's value is longer
// than its placeholder, but a request that grows by more than this is an attempt to make the host
// allocate, not a request.
constexpr size_t kMaxRewriteGrowth = 1024 * 1024;

// The next connection handle, from one sequence shared by every instance in the process and
// starting at a random point. A guest socket copied by Session::fork() or saved in a snapshot keeps
// its old handle, but its connection stayed behind; were handles counted per instance from 1, that
// stale handle would name the first connection the new instance opens (the guest's old socket
// would talk to a peer it never connected to). From one shared sequence it names nothing
// (BAD_HANDLE), and across processes a collision needs the random starts to meet.
uint32_t next_handle() {
  static std::atomic<uint32_t> sequence{std::random_device{}()};
  uint32_t n = sequence.fetch_add(1, std::memory_order_relaxed);
  return n % static_cast<uint32_t>(INT32_MAX) + 1;  // 1..INT32_MAX: > 0 as an i32
}

AddressRecord to_record(const IpAddress& address, uint16_t port) {
  AddressRecord record;
  record.family = address.family == IpAddress::Family::kV4 ? ERYX_NET_IPV4 : ERYX_NET_IPV6;
  record.bytes = address.bytes;
  record.port = port;
  record.scope_id = address.scope_id;
  return record;
}

// The socket address to connect to: an IPv4-mapped IPv6 address is connected as IPv4 (that is
// where the kernel would send it anyway, and what the policy checked).
socklen_t to_sockaddr(const IpAddress& address, uint16_t port, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  std::optional<IpAddress> v4;
  if (address.family == IpAddress::Family::kV4) {
    v4 = address;
  } else if (address.is_v4_mapped()) {
    v4 = address.embedded_ipv4();
  }
  if (v4) {
    auto* in = reinterpret_cast<sockaddr_in*>(out);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, v4->bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(out);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  std::memcpy(&in6->sin6_addr, address.bytes.data(), 16);
  in6->sin6_scope_id = address.interface_index();
  return sizeof(sockaddr_in6);
}

AddressRecord from_sockaddr(const sockaddr_storage& storage) {
  AddressRecord record;
  if (storage.ss_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    record.family = ERYX_NET_IPV4;
    std::memcpy(record.bytes.data(), &in->sin_addr, 4);
    record.port = ntohs(in->sin_port);
  } else if (storage.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    record.family = ERYX_NET_IPV6;
    std::memcpy(record.bytes.data(), &in6->sin6_addr, 16);
    record.port = ntohs(in6->sin6_port);
    record.scope_id = in6->sin6_scope_id;
  }
  return record;
}

// An OS error of a connected socket, as the guest's status.
int32_t status_of_errno(int error) {
  switch (error) {
    case ECONNREFUSED:
      return ERYX_NET_REFUSED;
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED:
      return ERYX_NET_RESET;
    case ENETUNREACH:
    case EHOSTUNREACH:
      return ERYX_NET_UNREACHABLE;
    case ETIMEDOUT:
      return ERYX_NET_TIMED_OUT;
    case EAGAIN:
      return ERYX_NET_WOULD_BLOCK;
    default:
      return ERYX_NET_IO_ERROR;
  }
}

struct Connection {
  int fd = -1;  // -1: a TLS client over memory buffers
  std::unique_ptr<TlsClient> tls;
  AddressRecord peer;
  AddressRecord local;
  // The checked names this connection was made for: the name connected to, or every allowed name
  // that resolved to the literal address connected to. Empty for an address nobody resolved.
  std::vector<std::string> target_names;
  // Rewrites the guest's plaintext (secrets); null when nothing will be rewritten.
  std::unique_ptr<OutboundRewriter> rewriter;
  // A rewritten send failed part-way: the request on the wire is incomplete and the rewriter's
  // parse no longer matches it, so every further send fails.
  bool rewrite_broken = false;

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    tls.reset();  // before the fd it may refer to
    if (fd >= 0) ::close(fd);
  }
};

class HostNetwork final : public NetSession {
 public:
  explicit HostNetwork(std::shared_ptr<const SandboxNetwork> config) : config_(std::move(config)) {}

  int32_t resolve(std::string_view name, uint32_t family, std::vector<AddressRecord>* out,
                  const WaitControl& wait) override;
  int32_t connect(std::string_view host, uint32_t port, int64_t timeout_ms,
                  const WaitControl& wait) override;
  int32_t send(uint32_t handle, std::span<const uint8_t> data, int64_t timeout_ms,
               const WaitControl& wait) override;
  int32_t recv(uint32_t handle, std::span<uint8_t> buffer, int64_t timeout_ms,
               const WaitControl& wait) override;
  int32_t shutdown(uint32_t handle, uint32_t how) override;
  int32_t close(uint32_t handle) override;
  int32_t poll(std::span<PollEntry> entries, int64_t timeout_ms, uint32_t flags,
               const WaitControl& wait) override;
  int32_t tls_start(uint32_t handle, std::string_view host, std::string_view alpn_wire,
                    int64_t timeout_ms, const WaitControl& wait) override;
  int32_t tls_handshake(uint32_t handle) override;
  int32_t tls_bio_new(std::string_view host, std::string_view alpn_wire) override;
  int32_t tls_feed(uint32_t handle, std::span<const uint8_t> data, bool eof) override;
  int32_t tls_drain(uint32_t handle, std::span<uint8_t> out) override;
  int32_t tls_info(uint32_t handle, uint32_t what, std::string* out) override;
  int32_t peer(uint32_t handle, uint32_t which, AddressRecord* out) override;
  int32_t refuse(int32_t status, std::string message) override {
    error_ = std::move(message);
    return status;
  }
  const std::string& last_error() const override { return error_; }
  size_t live_connections() const override { return sockets_; }

 private:
  int32_t fail(int32_t status, std::string message) { return refuse(status, std::move(message)); }
  int32_t fail_errno(int error, std::string_view what) {
    return fail(status_of_errno(error), std::string(what) + ": " + std::strerror(error));
  }
  int32_t fail_wait(Waited waited, std::string_view what, uint64_t host_limit_ms) {
    if (waited == Waited::kInterrupted) return fail(ERYX_NET_INTERRUPTED, "interrupted");
    if (waited == Waited::kStopped) return fail(ERYX_NET_TIMED_OUT, "execution stopped");
    return fail(ERYX_NET_TIMED_OUT, std::string(what) + " timed out (the host allows at most " +
                                        std::to_string(host_limit_ms) + " ms)");
  }
  Connection* find(uint32_t handle) {
    auto it = connections_.find(handle);
    return it == connections_.end() ? nullptr : it->second.get();
  }
  int32_t bad_handle(uint32_t handle) {
    return fail(ERYX_NET_BAD_HANDLE, "no open connection " + std::to_string(handle));
  }
  int32_t add(std::unique_ptr<Connection> connection) {
    if (connection->fd >= 0) ++sockets_;
    uint32_t handle = next_handle();
    while (connections_.count(handle) != 0) handle = next_handle();
    connections_.emplace(handle, std::move(connection));
    return static_cast<int32_t>(handle);
  }
  size_t memory_clients() const { return connections_.size() - sockets_; }

  // The checked addresses of a name (cached for the instance's life, so a second lookup cannot
  // answer differently: no DNS rebinding between a check and a connect).
  int32_t lookup(const std::string& name, Clock::time_point until, const WaitControl& wait,
                 std::vector<IpAddress>* out);
  void remember(const std::string& name, const std::vector<IpAddress>& addresses);
  struct HandedOut;
  // The entry of an address handed out for some name; null when it never was.
  HandedOut* handed_out(const IpAddress& address) {
    for (auto& entry : handed_out_) {
      if (entry.address == address) return &entry;
    }
    return nullptr;
  }
  int32_t connect_one(const IpAddress& address, uint16_t port, Clock::time_point until,
                      const WaitControl& wait, int* fd_out);
  // Runs a TLS step until it completes, waiting on the socket in between (never for memory).
  template <typename Step>
  int32_t drive_tls(Connection& connection, Step step, Clock::time_point until,
                    const WaitControl& wait, uint64_t host_limit_ms, std::string_view what);
  int32_t tls_failure(TlsStatus status, const TlsClient& tls);
  // Sends what the guest wrote, as the connection's transport allows (part of it may go).
  int32_t send_raw(Connection& connection, std::span<const uint8_t> data, int64_t timeout_ms,
                   const WaitControl& wait);
  // Feeds the chunk through the connection's rewriter and sends all of the result.
  int32_t send_rewritten(Connection& connection, std::span<const uint8_t> data, int64_t timeout_ms,
                         const WaitControl& wait);
  // A fresh rewriter for requests to every one of `names` (see OutboundFilter::for_connection).
  void start_rewriting(Connection& connection, std::span<const std::string> names) {
    connection.rewriter = config_->outbound ? config_->outbound->for_connection(names) : nullptr;
  }

  std::shared_ptr<const SandboxNetwork> config_;
  std::unordered_map<uint32_t, std::unique_ptr<Connection>> connections_;
  size_t sockets_ = 0;
  std::string error_;
  std::map<std::string, std::vector<IpAddress>, std::less<>> names_;
  struct HandedOut {
    IpAddress address;
    std::vector<std::string>
        names;  // every name it was an answer for (kMaxNamesPerAddress + 1 at most)
  };
  std::deque<HandedOut> handed_out_;
};

void HostNetwork::remember(const std::string& name, const std::vector<IpAddress>& addresses) {
  for (const auto& address : addresses) {
    HandedOut* entry = handed_out(address);
    if (entry == nullptr) {
      handed_out_.push_back({address, {name}});
      if (handed_out_.size() > kMaxRememberedAddresses) handed_out_.pop_front();
    } else if (entry->names.size() <= kMaxNamesPerAddress &&
               std::find(entry->names.begin(), entry->names.end(), name) == entry->names.end()) {
      entry->names.push_back(name);
    }
  }
}

int32_t HostNetwork::lookup(const std::string& name, Clock::time_point until,
                            const WaitControl& wait, std::vector<IpAddress>* out) {
  if (auto cached = names_.find(name); cached != names_.end()) {
    *out = cached->second;
    return 0;
  }
  Verdict verdict = config_->policy.check_name(name);
  if (!verdict.allowed) return fail(ERYX_NET_DENIED, verdict.reason);
  LookupAnswer answer = lookup_name(config_->resolver.get(), name, until, wait);
  if (answer.outcome == LookupAnswer::Outcome::kInterrupted) {
    return fail(ERYX_NET_INTERRUPTED, "interrupted");
  }
  if (answer.outcome == LookupAnswer::Outcome::kStopped) {
    return fail(ERYX_NET_TIMED_OUT, "execution stopped");
  }
  if (answer.outcome == LookupAnswer::Outcome::kTimedOut) {
    return fail(ERYX_NET_TIMED_OUT, "looking up '" + name + "' timed out");
  }
  std::vector<IpAddress> addresses;
  for (const auto& text : answer.addresses) {
    if (auto address = parse_ip_literal(text)) {
      if (std::find(addresses.begin(), addresses.end(), *address) == addresses.end()) {
        addresses.push_back(*address);
      }
    }
    if (addresses.size() == kMaxResolvedAddresses) break;
  }
  if (addresses.empty()) {
    return fail(ERYX_NET_NOT_FOUND, "'" + name + "' does not resolve" +
                                        (answer.error.empty() ? "" : ": " + answer.error));
  }
  verdict = config_->policy.check_resolved(name, addresses);
  if (!verdict.allowed) return fail(ERYX_NET_DENIED, verdict.reason);
  if (names_.size() >= kMaxRememberedNames) names_.erase(names_.begin());
  names_.emplace(name, addresses);
  remember(name, addresses);
  *out = std::move(addresses);
  return 0;
}

int32_t HostNetwork::resolve(std::string_view name, uint32_t family,
                             std::vector<AddressRecord>* out, const WaitControl& wait) {
  if (family != ERYX_NET_ANY && family != ERYX_NET_IPV4 && family != ERYX_NET_IPV6) {
    return fail(ERYX_NET_INVALID, "unknown address family " + std::to_string(family));
  }
  auto target = Policy::parse_target(name);
  if (auto* error = std::get_if<std::string>(&target)) return fail(ERYX_NET_NOT_FOUND, *error);
  const Target& t = std::get<Target>(target);
  std::vector<IpAddress> addresses;
  if (t.address) {
    // A literal needs no lookup; connect() checks it like any literal.
    addresses.push_back(*t.address);
  } else {
    int32_t status =
        lookup(t.name, operation_deadline(-1, config_->connect_timeout_ms), wait, &addresses);
    if (status < 0) return status;
  }
  for (const auto& address : addresses) {
    bool v4 = address.family == IpAddress::Family::kV4;
    if (family == ERYX_NET_IPV4 && !v4) continue;
    if (family == ERYX_NET_IPV6 && v4) continue;
    out->push_back(to_record(address, 0));
  }
  if (out->empty()) {
    return fail(ERYX_NET_NOT_FOUND, "'" + std::string(name) + "' has no address of that family");
  }
  return static_cast<int32_t>(out->size());
}

int32_t HostNetwork::connect_one(const IpAddress& address, uint16_t port, Clock::time_point until,
                                 const WaitControl& wait, int* fd_out) {
  sockaddr_storage storage;
  socklen_t length = to_sockaddr(address, port, &storage);
  int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail_errno(errno, "socket");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    if (errno != EINPROGRESS) {
      int error = errno;
      ::close(fd);
      return fail_errno(error, "connect to " + address.to_string());
    }
    pollfd pfd{fd, POLLOUT, 0};
    Waited waited = wait_fds({&pfd, 1}, until, wait);
    if (waited != Waited::kReady) {
      ::close(fd);
      return fail_wait(waited, "connect to " + address.to_string(), config_->connect_timeout_ms);
    }
    int error = 0;
    socklen_t size = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
    if (error != 0) {
      ::close(fd);
      return fail_errno(error,
                        "connect to " + address.to_string() + " port " + std::to_string(port));
    }
  }
  int one = 1;
  // Requests are written whole by the guest; Nagle would only delay them.
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  *fd_out = fd;
  return 0;
}

int32_t HostNetwork::connect(std::string_view host, uint32_t port, int64_t timeout_ms,
                             const WaitControl& wait) {
  if (port == 0 || port > 65535) {
    return fail(ERYX_NET_INVALID, "port " + std::to_string(port) + " is out of range");
  }
  if (sockets_ >= config_->max_connections) {
    return fail(ERYX_NET_LIMIT, "the sandbox already has " + std::to_string(sockets_) +
                                    " open connections (NetConfig.max_connections)");
  }
  auto until = operation_deadline(timeout_ms, config_->connect_timeout_ms);
  auto target = Policy::parse_target(host);
  if (auto* error = std::get_if<std::string>(&target)) return fail(ERYX_NET_NOT_FOUND, *error);
  const Target& t = std::get<Target>(target);
  std::vector<IpAddress> addresses;
  std::vector<std::string> target_names;
  if (t.address) {
    // An address this instance got by resolving an allowed name is that name.
    if (const auto* entry = handed_out(*t.address)) {
      // Past kMaxNamesPerAddress the list is incomplete, so it names no one for secrets.
      if (entry->names.size() <= kMaxNamesPerAddress) target_names = entry->names;
    } else {
      Verdict verdict = config_->policy.check_literal(*t.address);
      if (!verdict.allowed) return fail(ERYX_NET_DENIED, verdict.reason);
    }
    addresses.push_back(*t.address);
  } else {
    target_names.push_back(t.name);
    int32_t status = lookup(t.name, until, wait, &addresses);
    if (status < 0) return status;
  }
  int32_t status = ERYX_NET_UNREACHABLE;
  for (const auto& address : addresses) {
    int fd = -1;
    status = connect_one(address, static_cast<uint16_t>(port), until, wait, &fd);
    if (status == 0) {
      auto connection = std::make_unique<Connection>();
      connection->fd = fd;
      sockaddr_storage storage;
      socklen_t size = sizeof storage;
      if (::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &size) == 0) {
        connection->peer = from_sockaddr(storage);
      }
      size = sizeof storage;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &size) == 0) {
        connection->local = from_sockaddr(storage);
      }
      connection->target_names = std::move(target_names);
      start_rewriting(*connection, connection->target_names);
      return add(std::move(connection));
    }
    if (status == ERYX_NET_INTERRUPTED || wait.should_stop()) return status;
    if (status == ERYX_NET_TIMED_OUT) break;
  }
  return status;
}

int32_t HostNetwork::tls_failure(TlsStatus status, const TlsClient& tls) {
  switch (status) {
    case TlsStatus::kWantRead:
      return fail(ERYX_NET_WOULD_BLOCK, "TLS wants to read");
    case TlsStatus::kWantWrite:
      return fail(ERYX_NET_WANT_WRITE, "TLS wants to write");
    case TlsStatus::kEof:
      return fail(ERYX_NET_TLS_EOF, "EOF occurred in violation of protocol");
    case TlsStatus::kCertError:
      return fail(ERYX_NET_CERT_ERROR, tls.last_error());
    default:
      // A socket failure under TLS is the socket's error (ConnectionResetError, ...).
      if (int error = tls.last_os_error(); error != 0) return fail_errno(error, "TLS");
      return fail(ERYX_NET_TLS_ERROR, tls.last_error());
  }
}

template <typename Step>
int32_t HostNetwork::drive_tls(Connection& connection, Step step, Clock::time_point until,
                               const WaitControl& wait, uint64_t host_limit_ms,
                               std::string_view what) {
  for (;;) {
    TlsStatus status = step();
    if (status == TlsStatus::kOk) return 0;
    if (status == TlsStatus::kClosed) return 1;
    bool want_read = status == TlsStatus::kWantRead;
    if ((!want_read && status != TlsStatus::kWantWrite) || connection.fd < 0) {
      return tls_failure(status, *connection.tls);
    }
    pollfd pfd{connection.fd, static_cast<short>(want_read ? POLLIN : POLLOUT), 0};
    Waited waited = wait_fds({&pfd, 1}, until, wait);
    if (waited != Waited::kReady) return fail_wait(waited, what, host_limit_ms);
  }
}

int32_t HostNetwork::send(uint32_t handle, std::span<const uint8_t> data, int64_t timeout_ms,
                          const WaitControl& wait) {
  Connection* connection = find(handle);
  if (connection == nullptr) return bad_handle(handle);
  if (connection->rewrite_broken) {
    return fail(ERYX_NET_RESET, "an earlier send on this connection failed part-way");
  }
  if (data.empty()) return 0;
  if (connection->rewriter && !connection->rewriter->passing_through()) {
    return send_rewritten(*connection, data, timeout_ms, wait);
  }
  return send_raw(*connection, data, timeout_ms, wait);
}

int32_t HostNetwork::send_rewritten(Connection& connection, std::span<const uint8_t> data,
                                    int64_t timeout_ms, const WaitControl& wait) {
  std::string out = connection.rewriter->rewrite(data);
  if (out.size() > data.size() + kMaxRewriteGrowth) {
    connection.rewrite_broken = true;
    return fail(ERYX_NET_INVALID, "the secrets in this request would grow it by more than " +
                                      std::to_string(kMaxRewriteGrowth) + " bytes");
  }
  // All of it goes now, blocking within the host's I/O timeout even for a non-blocking socket:
  // the rewriter has consumed the chunk, so the guest must be told it was sent whole. Request
  // headers are small, so this rarely waits.
  std::span<const uint8_t> rest(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  int64_t blocking = timeout_ms == 0 ? -1 : timeout_ms;
  while (!rest.empty()) {
    int32_t sent = send_raw(connection, rest, blocking, wait);
    if (sent < 0) {
      connection.rewrite_broken = true;
      return sent;
    }
    rest = rest.subspan(static_cast<size_t>(sent));
  }
  return static_cast<int32_t>(data.size());
}

int32_t HostNetwork::send_raw(Connection& connection_ref, std::span<const uint8_t> data,
                              int64_t timeout_ms, const WaitControl& wait) {
  Connection* connection = &connection_ref;
  if (connection->tls) {
    size_t done = 0;
    auto until = operation_deadline(timeout_ms, config_->io_timeout_ms);
    if (connection->fd < 0 || timeout_ms == 0) {
      TlsStatus status = connection->tls->write(data, &done);
      if (status == TlsStatus::kOk) return static_cast<int32_t>(done);
      return tls_failure(status, *connection->tls);
    }
    int32_t status = drive_tls(
        *connection, [&] { return connection->tls->write(data, &done); }, until, wait,
        config_->io_timeout_ms, "send");
    if (status < 0) return status;
    return static_cast<int32_t>(done);
  }
  auto until = operation_deadline(timeout_ms, config_->io_timeout_ms);
  for (;;) {
    ssize_t sent = ::send(connection->fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent >= 0) return static_cast<int32_t>(sent);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return fail_errno(errno, "send");
    if (timeout_ms == 0) return fail(ERYX_NET_WOULD_BLOCK, "send would block");
    pollfd pfd{connection->fd, POLLOUT, 0};
    Waited waited = wait_fds({&pfd, 1}, until, wait);
    if (waited != Waited::kReady) return fail_wait(waited, "send", config_->io_timeout_ms);
  }
}

int32_t HostNetwork::recv(uint32_t handle, std::span<uint8_t> buffer, int64_t timeout_ms,
                          const WaitControl& wait) {
  Connection* connection = find(handle);
  if (connection == nullptr) return bad_handle(handle);
  if (buffer.empty()) return 0;
  if (connection->tls) {
    size_t done = 0;
    TlsStatus status = connection->tls->read(buffer, &done);
    if (status == TlsStatus::kOk) return static_cast<int32_t>(done);
    if (status == TlsStatus::kClosed) return 0;
    if (connection->fd < 0 || timeout_ms == 0 ||
        (status != TlsStatus::kWantRead && status != TlsStatus::kWantWrite)) {
      return tls_failure(status, *connection->tls);
    }
    auto until = operation_deadline(timeout_ms, config_->io_timeout_ms);
    int32_t result = drive_tls(
        *connection, [&] { return connection->tls->read(buffer, &done); }, until, wait,
        config_->io_timeout_ms, "recv");
    if (result < 0) return result;
    return result == 1 ? 0 : static_cast<int32_t>(done);
  }
  auto until = operation_deadline(timeout_ms, config_->io_timeout_ms);
  for (;;) {
    ssize_t got = ::recv(connection->fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (got >= 0) return static_cast<int32_t>(got);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return fail_errno(errno, "recv");
    if (timeout_ms == 0) return fail(ERYX_NET_WOULD_BLOCK, "recv would block");
    pollfd pfd{connection->fd, POLLIN, 0};
    Waited waited = wait_fds({&pfd, 1}, until, wait);
    if (waited != Waited::kReady) return fail_wait(waited, "recv", config_->io_timeout_ms);
  }
}

int32_t HostNetwork::shutdown(uint32_t handle, uint32_t how) {
  Connection* connection = find(handle);
  if (connection == nullptr) return bad_handle(handle);
  if (how > ERYX_SHUT_RDWR) return fail(ERYX_NET_INVALID, "shutdown: unknown direction");
  if (connection->tls && how != ERYX_SHUT_RD) {
    TlsStatus status = connection->tls->shutdown();
    if (status != TlsStatus::kOk && status != TlsStatus::kClosed) {
      if (connection->fd < 0) return tls_failure(status, *connection->tls);
    }
  }
  if (connection->fd < 0) return 0;
  static constexpr int kHow[] = {SHUT_RD, SHUT_WR, SHUT_RDWR};
  if (::shutdown(connection->fd, kHow[how]) != 0 && errno != ENOTCONN) {
    return fail_errno(errno, "shutdown");
  }
  return 0;
}

int32_t HostNetwork::close(uint32_t handle) {
  auto it = connections_.find(handle);
  if (it == connections_.end()) return bad_handle(handle);
  if (it->second->fd >= 0) --sockets_;
  connections_.erase(it);
  return 0;
}

int32_t HostNetwork::poll(std::span<PollEntry> entries, int64_t timeout_ms, uint32_t flags,
                          const WaitControl& wait) {
  std::vector<pollfd> fds;
  std::vector<size_t> index;  // entry of each pollfd
  int32_t ready = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    PollEntry& entry = entries[i];
    entry.revents = 0;
    Connection* connection = find(entry.handle);
    if (connection == nullptr) {
      entry.revents = ERYX_POLL_ERR;
      ++ready;
      continue;
    }
    uint16_t wanted = entry.events & (ERYX_POLL_IN | ERYX_POLL_OUT);
    if (connection->fd < 0) {  // memory TLS: the guest moves its bytes; always ready
      entry.revents = wanted;
      ready += wanted != 0;
      continue;
    }
    if ((wanted & ERYX_POLL_IN) && connection->tls && connection->tls->has_pending()) {
      entry.revents = ERYX_POLL_IN;
    }
    short events = 0;
    if (wanted & ERYX_POLL_IN) events |= POLLIN;
    if (wanted & ERYX_POLL_OUT) events |= POLLOUT;
    fds.push_back(pollfd{connection->fd, events, 0});
    index.push_back(i);
  }
  bool immediate = ready > 0 || std::any_of(entries.begin(), entries.end(),
                                            [](const PollEntry& e) { return e.revents != 0; });
  Clock::time_point until;
  if (immediate || timeout_ms == 0) {
    until = Clock::now();
  } else if (timeout_ms < 0) {
    until = Clock::time_point::max();  // only the execution's deadline and stops end it
  } else {
    until = util::deadline_in(static_cast<uint64_t>(timeout_ms));
  }
  Waited waited = wait_fds(fds, until, wait, (flags & ERYX_POLL_WAKE_ON_CALLBACKS) != 0);
  if (waited == Waited::kInterrupted) return fail(ERYX_NET_INTERRUPTED, "interrupted");
  if (waited == Waited::kStopped) return fail(ERYX_NET_TIMED_OUT, "execution stopped");
  for (size_t k = 0; k < fds.size(); ++k) {
    PollEntry& entry = entries[index[k]];
    short revents = fds[k].revents;
    uint16_t mapped = entry.revents;
    if (revents & POLLIN) mapped |= ERYX_POLL_IN;
    if (revents & POLLOUT) mapped |= ERYX_POLL_OUT;
    if (revents & (POLLERR | POLLNVAL)) mapped |= ERYX_POLL_ERR;
    if (revents & POLLHUP) mapped |= ERYX_POLL_HUP;
    // A closed or failed peer reads as ready, as select() reports it: the recv tells what.
    if ((revents & (POLLHUP | POLLERR)) && (entry.events & ERYX_POLL_IN)) mapped |= ERYX_POLL_IN;
    entry.revents = mapped;
  }
  int32_t count = 0;
  for (const auto& entry : entries) count += entry.revents != 0;
  return count;
}

int32_t HostNetwork::tls_start(uint32_t handle, std::string_view host, std::string_view alpn_wire,
                               int64_t timeout_ms, const WaitControl& wait) {
  Connection* connection = find(handle);
  if (connection == nullptr) return bad_handle(handle);
  if (connection->fd < 0 || connection->tls) {
    return fail(ERYX_NET_INVALID, "the connection already speaks TLS");
  }
  if (host.empty()) return fail(ERYX_NET_INVALID, "TLS needs the server's host name");
  std::string error;
  connection->tls = TlsClient::over_socket(config_->trust, connection->fd, host, alpn_wire, &error);
  if (!connection->tls) return fail(ERYX_NET_INVALID, error);
  // The plaintext inside TLS is a new stream of requests. SNI (`host`) never chooses the secrets,
  // but it must allow them too: on a shared front end (a CDN address serving many sites) the SNI
  // picks the site the requests reach, so TLS naming another site gets no secret.
  std::vector<std::string> names = connection->target_names;
  if (!names.empty()) names.emplace_back(host);
  start_rewriting(*connection, names);
  if (timeout_ms == 0) return tls_handshake(handle);
  auto until = operation_deadline(timeout_ms, config_->connect_timeout_ms);
  int32_t status = drive_tls(
      *connection, [&] { return connection->tls->handshake(); }, until, wait,
      config_->connect_timeout_ms, "TLS handshake");
  return status < 0 ? status : 0;
}

int32_t HostNetwork::tls_handshake(uint32_t handle) {
  Connection* connection = find(handle);
  if (connection == nullptr) return bad_handle(handle);
  if (!connection->tls) return fail(ERYX_NET_INVALID, "the connection does not speak TLS");
  TlsStatus status = connection->tls->handshake();
  if (status == TlsStatus::kOk) return 0;
  return tls_failure(status, *connection->tls);
}

int32_t HostNetwork::tls_bio_new(std::string_view host, std::string_view alpn_wire) {
  if (memory_clients() >= config_->max_connections) {
    return fail(ERYX_NET_LIMIT, "the sandbox already has " + std::to_string(memory_clients()) +
                                    " TLS objects (NetConfig.max_connections)");
  }
  if (host.empty()) return fail(ERYX_NET_INVALID, "TLS needs the server's host name");
  std::string error;
  auto connection = std::make_unique<Connection>();
  connection->tls = TlsClient::over_memory(config_->trust, host, alpn_wire, &error);
  if (!connection->tls) return fail(ERYX_NET_INVALID, error);
  // Over memory buffers there is no connection to take a name from, and the guest carries the
  // ciphertext wherever it likes. The server name is what the certificate check authenticates:
  // no handshake completes (and no plaintext is encrypted) unless the peer proves it is that name,
  // so only that name's key holder can read what is sent. So the verified name, when the policy
  // allows it, is the target a secret must allow.
  if (auto target = Policy::parse_target(host); auto* t = std::get_if<Target>(&target)) {
    if (!t->address && config_->policy.check_name(t->name).allowed) {
      connection->target_names.push_back(t->name);
    }
  }
  start_rewriting(*connection, connection->target_names);
  return add(std::move(connection));
}

int32_t HostNetwork::tls_feed(uint32_t handle, std::span<const uint8_t> data, bool eof) {
  Connection* connection = find(handle);
  if (connection == nullptr) return bad_handle(handle);
  if (connection->fd >= 0 || !connection->tls) {
    return fail(ERYX_NET_INVALID, "not a memory TLS object");
  }
  return static_cast<int32_t>(connection->tls->feed(data, eof));
}

int32_t HostNetwork::tls_drain(uint32_t handle, std::span<uint8_t> out) {
  Connection* connection = find(handle);
  if (connection == nullptr) return bad_handle(handle);
  if (connection->fd >= 0 || !connection->tls) {
    return fail(ERYX_NET_INVALID, "not a memory TLS object");
  }
  return static_cast<int32_t>(connection->tls->drain(out));
}

int32_t HostNetwork::tls_info(uint32_t handle, uint32_t what, std::string* out) {
  Connection* connection = find(handle);
  if (connection == nullptr) return bad_handle(handle);
  if (!connection->tls || !connection->tls->handshake_done()) {
    return fail(ERYX_NET_INVALID, "no TLS handshake has completed on this connection");
  }
  const TlsClient& tls = *connection->tls;
  switch (what) {
    case ERYX_TLS_PEER_CERT_DER:
      *out = tls.peer_certificate_der();
      return 0;
    case ERYX_TLS_VERSION:
      *out = tls.version();
      return 0;
    case ERYX_TLS_ALPN:
      *out = tls.alpn();
      return 0;
    case ERYX_TLS_CIPHER:
      *out = tls.cipher();
      return 0;
    case ERYX_TLS_PEER_CHAIN_DER:
      out->clear();
      for (const auto& der : tls.peer_chain_der()) {
        uint32_t size = static_cast<uint32_t>(der.size());
        out->append(reinterpret_cast<const char*>(&size), 4);
        out->append(der);
      }
      return 0;
    case ERYX_TLS_PEER_CERT_JSON:
      *out = tls.peer_certificate_json();
      return 0;
    default:
      return fail(ERYX_NET_INVALID, "unknown TLS information " + std::to_string(what));
  }
}

int32_t HostNetwork::peer(uint32_t handle, uint32_t which, AddressRecord* out) {
  Connection* connection = find(handle);
  if (connection == nullptr) return bad_handle(handle);
  if (connection->fd < 0) return fail(ERYX_NET_INVALID, "a memory TLS object has no address");
  if (which > 1) return fail(ERYX_NET_INVALID, "net_peer: 0 (peer) or 1 (local)");
  *out = which == 0 ? connection->peer : connection->local;
  return 0;
}

}  // namespace

std::unique_ptr<NetSession> open_network(std::shared_ptr<const SandboxNetwork> network) {
  return std::make_unique<HostNetwork>(std::move(network));
}

}  // namespace eryx::net
