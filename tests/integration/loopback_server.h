// A TCP server on 127.0.0.1 for the networking tests: it accepts connections on a thread and
// serves each with one behaviour, counts them, and stops (closing everything) when destroyed or
// after 60 s, whichever comes first. Nothing here reaches beyond loopback.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace eryx_test {

class LoopbackServer {
 public:
  enum class Behaviour {
    kEcho,       // sends back what it receives until the peer closes
    kStall,      // reads nothing, sends nothing, until the end
    kSendBytes,  // sends `bytes` bytes ('x'), then closes
  };

  explicit LoopbackServer(Behaviour behaviour, uint64_t bytes = 0)
      : behaviour_(behaviour), bytes_(bytes) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(listener_, 64) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  // Every byte the echo behaviour received, from all connections, in arrival order.
  std::string received() const {
    std::lock_guard lock(received_mutex_);
    return received_;
  }

 private:
  void run() {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::vector<std::thread> workers;
    while (!stop_ && std::chrono::steady_clock::now() < end) {
      pollfd pfd{listener_, POLLIN, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++accepted_;
      workers.emplace_back([this, fd, end] { serve(fd, end); });
    }
    stop_ = true;
    for (auto& worker : workers) worker.join();
  }

  void serve(int fd, std::chrono::steady_clock::time_point end) {
    std::string chunk(64 * 1024, 'x');
    uint64_t left = bytes_;
    char buffer[64 * 1024];
    while (!stop_ && std::chrono::steady_clock::now() < end) {
      short events = behaviour_ == Behaviour::kSendBytes ? POLLOUT : POLLIN;
      pollfd pfd{fd, events, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      if (behaviour_ == Behaviour::kStall) {
        // Reads (and drops) what arrives, answers nothing.
        ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EAGAIN)) break;
        continue;
      }
      if (behaviour_ == Behaviour::kSendBytes) {
        if (left == 0) break;
        ssize_t sent = ::send(fd, chunk.data(), std::min<uint64_t>(left, chunk.size()),
                              MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent <= 0) {
          if (errno == EAGAIN) continue;
          break;
        }
        left -= static_cast<uint64_t>(sent);
        continue;
      }
      ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        break;
      }
      {
        std::lock_guard lock(received_mutex_);
        received_.append(buffer, static_cast<size_t>(got));
      }
      if (::send(fd, buffer, static_cast<size_t>(got), MSG_NOSIGNAL) != got) break;
    }
    ::close(fd);
  }

  Behaviour behaviour_;
  uint64_t bytes_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  mutable std::mutex received_mutex_;
  std::string received_;
  std::thread thread_;
};

}  // namespace eryx_test
