#include "mcp/client/connection.h"

#include "util/printable.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace eryx::mcp {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 60'000));
}

// The start of untrusted bytes, printable, for an error message.
std::string excerpt(std::string_view bytes, size_t limit = 80) {
  std::string out = util::printable(bytes, limit);
  if (bytes.size() > limit) out += "...";
  return out;
}

// A write to a pipe whose reader has gone raises SIGPIPE, which would end the host. Blocked in
// this thread for the write; one it raised is consumed before the mask is restored.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() {
    if (raised_ && !was_pending_) {
      timespec zero{};
      while (sigtimedwait(&set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  void raised() { raised_ = true; }

 private:
  sigset_t set_;
  sigset_t old_;
  bool was_pending_ = false;
  bool raised_ = false;
};

bool is_supported_version(const std::string& version) {
  for (const char* v : kSupportedProtocolVersions) {
    if (version == v) return true;
  }
  return false;
}

}  // namespace

Connection::Connection(ConnectionOptions options) : options_(std::move(options)) {
  try {
    process_ =
        std::make_unique<ChildProcess>(options_.command, options_.args, options_.environment);
  } catch (const std::system_error& e) {
    std::string why = e.code() == std::errc::no_such_file_or_directory
                          ? "command not found"
                          : std::string(e.code().message());
    throw McpError(prefix() + ": cannot start '" + options_.command + "': " + why);
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    process_->terminate(std::chrono::milliseconds(0));
    throw McpError(prefix() + ": cannot create a pipe: " + std::strerror(errno));
  }
  wake_read_ = fds[0];
  wake_write_ = fds[1];
  reader_ = std::make_unique<std::thread>([this] { reader_loop(); });
  try {
    handshake();
  } catch (...) {
    close();
    throw;
  }
}

Connection::~Connection() {
  close();
  if (wake_read_ >= 0) ::close(wake_read_);
  if (wake_write_ >= 0) ::close(wake_write_);
}

void Connection::handshake() {
  eryx::Json result = request(
      "initialize", Json{{"protocolVersion",
                          kSupportedProtocolVersions[std::size(kSupportedProtocolVersions) - 1]},
                         {"capabilities", Json::object()},
                         {"clientInfo", {{"name", "eryx"}, {"version", ERYX_VERSION}}}});
  auto version = result.find("protocolVersion");
  if (!result.is_object() || version == result.end() || !version->is_string()) {
    throw McpError(prefix() + ": its initialize result has no protocolVersion");
  }
  // The specification: the server answers with the version asked for, or another it supports;
  // a client that does not support that one disconnects.
  protocol_version_ = version->get<std::string>();
  if (!is_supported_version(protocol_version_)) {
    std::string supported;
    for (const char* v : kSupportedProtocolVersions) supported += std::string(" ") + v;
    throw McpError(prefix() + " speaks MCP version '" + excerpt(protocol_version_) +
                   "', which eryx does not (eryx speaks" + supported + ")");
  }
  if (auto caps = result.find("capabilities"); caps != result.end() && caps->is_object()) {
    capabilities_ = *caps;
  } else {
    capabilities_ = eryx::Json::object();
  }
  notify("notifications/initialized", nullptr);
}

eryx::Json Connection::request(const std::string& method, Json params,
                               std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const int64_t id = next_id_++;
  auto slot = std::make_shared<Slot>();
  if (getpid() != owner_) {
    throw McpError(prefix() + " belongs to the parent process (this is a fork of it)");
  }
  {
    std::lock_guard lock(mutex_);
    if (failure_) throw McpError(*failure_);
    pending_.emplace(id, slot);
  }
  std::string why;
  if (!write_line(encode(Request{id, method, std::move(params)}), deadline, &why)) {
    std::unique_lock lock(mutex_);
    pending_.erase(id);
    // A server that closed its input has usually exited: the reader's account of that (status,
    // stderr) says more than "broken pipe".
    replied_.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::seconds(2)),
                        [&] { return failure_.has_value(); });
    throw McpError(failure_ ? *failure_ : why);
  }

  std::unique_lock lock(mutex_);
  bool replied = replied_.wait_until(lock, deadline, [&] { return slot->done || failure_; });
  pending_.erase(id);
  if (slot->done) {
    if (slot->error) {
      std::string message = prefix() + " answered " + method + " with error " +
                            std::to_string(slot->error->code) + ": " +
                            excerpt(slot->error->message, 2000);
      throw McpError(message);
    }
    return std::move(*slot->result);
  }
  if (replied) throw McpError(*failure_);
  lock.unlock();
  // The server may still be working on it: tell it to stop (best effort, briefly).
  notify("notifications/cancelled",
         Json{{"requestId", id}, {"reason", "the client's timeout expired"}});
  throw McpError(prefix() + " did not answer " + method + " within " +
                 std::to_string(timeout.count()) + " ms");
}

void Connection::notify(const std::string& method, Json params) {
  std::string why;
  write_line(encode(Notification{method, std::move(params)}),
             Clock::now() + std::chrono::milliseconds(200), &why);
}

bool Connection::write_line(const std::string& text, Clock::time_point deadline, std::string* why) {
  std::unique_lock lock(write_mutex_, std::defer_lock);
  if (!lock.try_lock_until(deadline)) {
    *why = prefix() + " is not reading its input (timed out sending a message)";
    return false;
  }
  const int fd = process_->stdin_fd();
  if (fd < 0) {
    *why = prefix() + " is closed";
    return false;
  }
  std::string line = text + "\n";
  size_t written = 0;
  SigpipeBlock block;
  while (written < line.size()) {
    ssize_t n = ::write(fd, line.data() + written, line.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      // In slices, so that a writer stuck on a server that stopped reading lets go soon after the
      // connection fails or closes.
      pollfd p{fd, POLLOUT, 0};
      int ms = std::min(remaining_ms(deadline), 100);
      if (ms > 0 && ::poll(&p, 1, ms) >= 0) {
        std::lock_guard state(mutex_);
        if (!failure_) continue;
        *why = *failure_;
        return false;
      }
      *why = prefix() + " is not reading its input (timed out sending a message)";
      // Half a line on the pipe: nothing later could be read as a message.
      if (written > 0) fail(*why);
      return false;
    }
    if (n < 0 && errno == EPIPE) block.raised();
    *why = prefix() + " closed its input" + (n < 0 ? std::string(": ") + std::strerror(errno) : "");
    if (written > 0) fail(*why);
    return false;
  }
  return true;
}

void Connection::fail(std::string why) {
  std::lock_guard lock(mutex_);
  if (failure_) return;
  failure_ = std::move(why);
  replied_.notify_all();
}

std::string Connection::failure_with_stderr(std::string why) {
  std::lock_guard lock(mutex_);
  if (!stderr_tail_.empty()) {
    std::string tail = stderr_tail_;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
    why += "; its stderr ended with:\n" + tail;
  }
  return why;
}

void Connection::drain_stderr() {
  char chunk[4096];
  while (true) {
    ssize_t n = ::read(process_->stderr_fd(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    keep_stderr(std::string_view(chunk, static_cast<size_t>(n)));
  }
}

void Connection::keep_stderr(std::string_view bytes) {
  std::lock_guard lock(mutex_);
  stderr_tail_.append(bytes);
  if (stderr_tail_.size() > options_.stderr_tail_bytes) {
    stderr_tail_.erase(0, stderr_tail_.size() - options_.stderr_tail_bytes);
  }
}

void Connection::reader_loop() {
  std::string buffer;
  std::vector<char> chunk(64 * 1024);
  bool stderr_open = true;
  std::optional<std::string> why;
  while (!why) {
    pollfd fds[3] = {{wake_read_, POLLIN, 0},
                     {process_->stdout_fd(), POLLIN, 0},
                     {stderr_open ? process_->stderr_fd() : -1, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      why = prefix() + ": poll failed: " + std::strerror(errno);
      break;
    }
    if (fds[0].revents != 0) return;  // close()
    if (fds[2].revents != 0) {
      char probe[4096];
      ssize_t n = ::read(process_->stderr_fd(), probe, sizeof probe);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        stderr_open = false;
      } else if (n > 0) {
        keep_stderr(std::string_view(probe, static_cast<size_t>(n)));
      }
    }
    if (fds[1].revents == 0) continue;
    ssize_t n = ::read(process_->stdout_fd(), chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      why = prefix() + ": cannot read its output: " + std::strerror(errno);
      break;
    }
    if (n == 0) {
      // End of its output: it exited, or will not talk any more. Its last words are on stderr.
      auto status = process_->wait_for(std::chrono::milliseconds(1000));
      drain_stderr();
      why = failure_with_stderr(status ? prefix() + " " + status->describe()
                                       : prefix() + " closed its output");
      break;
    }
    size_t scanned = buffer.size();
    buffer.append(chunk.data(), static_cast<size_t>(n));
    size_t start = 0;
    while (!why) {
      size_t newline = buffer.find('\n', std::max(start, scanned));
      if (newline == std::string::npos) break;
      std::string_view line(buffer.data() + start, newline - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") != std::string_view::npos) {
        auto decoded = decode(line, DecodeLimits{options_.max_message_bytes, 128});
        if (auto* error = std::get_if<DecodeError>(&decoded)) {
          why = failure_with_stderr(prefix() + " sent something that is not a JSON-RPC message (" +
                                    error->message + "): " + excerpt(line));
          break;
        }
        handle_message(line, std::get<Message>(decoded));
      }
      start = newline + 1;
      scanned = start;
    }
    buffer.erase(0, start);
    if (!why && buffer.size() > options_.max_message_bytes) {
      why = prefix() + " sent a message longer than " + std::to_string(options_.max_message_bytes) +
            " bytes";
    }
  }
  fail(*why);
  // A server that broke the protocol is of no further use; one that exited is reaped here.
  process_->end(options_.grace);
}

void Connection::handle_message(std::string_view line, const Message& message) {
  if (const auto* request = std::get_if<Request>(&message)) {
    // The server asks something of us. eryx offers no client capabilities (sampling, roots,
    // elicitation); ping must be answered.
    Message reply = request->method == "ping"
                        ? Message{Response{request->id, Json::object()}}
                        : Message{ErrorResponse{request->id, error_code::kMethodNotFound,
                                                "eryx does not offer " + request->method, nullptr}};
    std::string why;
    write_line(encode(reply), Clock::now() + std::chrono::milliseconds(200), &why);
    return;
  }
  if (std::holds_alternative<Notification>(message)) return;  // logging, progress, list_changed

  const RequestId& id = std::holds_alternative<Response>(message)
                            ? std::get<Response>(message).id
                            : std::get<ErrorResponse>(message).id;
  const int64_t* number = std::get_if<int64_t>(&id);
  if (number == nullptr) return;  // not an id we sent
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(*number);
    if (it == pending_.end()) return;  // a late reply to a request that timed out
    slot = it->second;
  }
  std::optional<eryx::Json> result;
  std::optional<ErrorResponse> error;
  if (const auto* e = std::get_if<ErrorResponse>(&message)) {
    error = *e;
  } else {
    // Again with key order kept: a tool's parameters are positional in the order of its schema's
    // properties, and the guest sees results' keys in the server's order.
    try {
      result = eryx::parse_json(line)["result"];
    } catch (const std::exception& e) {
      error = ErrorResponse{id, error_code::kInternalError,
                            std::string("its result is not usable JSON: ") + e.what(), nullptr};
    }
  }
  std::lock_guard lock(mutex_);
  slot->result = std::move(result);
  slot->error = std::move(error);
  slot->done = true;
  replied_.notify_all();
}

void Connection::close() {
  std::lock_guard close_lock(close_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  fail(prefix() + " is closed");
  if (getpid() != owner_) {
    (void)reader_.release();
    process_->forget();
    return;
  }
  if (reader_ && reader_->joinable()) {
    char byte = 1;
    while (::write(wake_write_, &byte, 1) < 0 && errno == EINTR) {
    }
    reader_->join();
  }
  // Writers hold write_mutex_ for at most their deadline; the process ends within two graces.
  std::lock_guard write_lock(write_mutex_);
  process_->terminate(options_.grace);
}

}  // namespace eryx::mcp
