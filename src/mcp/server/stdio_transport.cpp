#include "mcp/server/stdio_transport.h"

#include <unistd.h>

#include <cerrno>
#include <memory>
#include <mutex>
#include <vector>

#include "mcp/server/framing.h"

namespace eryx::mcp::server {
namespace {

// Writes whole messages, one at a time (workers reply from several threads).
class LineWriter {
 public:
  explicit LineWriter(int fd) : fd_(fd) {}
  void write(const Message& message) {
    std::string line = encode(message);
    line += '\n';
    std::lock_guard lock(mutex_);
    if (broken_) return;
    std::string_view rest = line;
    while (!rest.empty()) {
      const ssize_t n = ::write(fd_, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // the client closed its end: nothing more can reach it
        broken_ = true;
        return;
      }
      rest.remove_prefix(static_cast<size_t>(n));
    }
  }

 private:
  std::mutex mutex_;
  int fd_;
  bool broken_ = false;
};

}  // namespace

int serve_stdio(Server& server, int in_fd, int out_fd, const StdioOptions& options,
                std::ostream& log) {
  auto writer = std::make_shared<LineWriter>(out_fd);
  auto connection = server.open();
  LineFramer framer(options.max_message_bytes);
  DecodeLimits limits;
  limits.max_bytes = options.max_message_bytes;

  auto dispatch = [&](LineFramer::Line& line) {
    if (line.too_long) {
      writer->write(ErrorResponse{
          RequestId{}, error_code::kInvalidRequest,
          "message larger than " + std::to_string(options.max_message_bytes) + " bytes", nullptr});
      return;
    }
    auto decoded = decode(line.text, limits);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
      writer->write(ErrorResponse{error->id, error->code, error->message, nullptr});
      return;
    }
    server.handle(connection, std::move(std::get<Message>(decoded)),
                  [writer](std::optional<Message> reply) {
                    if (reply) writer->write(*reply);
                  });
  };

  std::vector<char> buffer(64 * 1024);
  std::vector<LineFramer::Line> lines;
  for (;;) {
    const ssize_t n = ::read(in_fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    framer.feed(std::string_view(buffer.data(), static_cast<size_t>(n)), lines);
    for (auto& line : lines) dispatch(line);
    lines.clear();
  }
  if (auto last = framer.finish()) dispatch(*last);

  // The client is gone: its calls are cancelled (interrupt, then a hard stop) and nothing more is
  // sent.
  server.close(connection);
  if (!server.wait_idle(options.shutdown_wait)) {
    log << "eryx serve: calls still running " << options.shutdown_wait.count()
        << " ms after the client left\n";
    return 1;
  }
  return 0;
}

}  // namespace eryx::mcp::server
