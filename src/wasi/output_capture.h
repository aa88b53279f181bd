// Captures what the guest writes to stdout or stderr.
//
// Guarantees: the buffer never grows past max_bytes(); bytes past the cap are dropped and
// truncated() becomes true, but the guest is still told everything was written (so a huge print
// neither grows host memory nor fails in the guest). total_bytes() counts every byte written. An
// optional streaming handler sees every write in full, before the cap applies; an exception
// thrown by the handler is swallowed (it must not unwind through Wasm frames, and the output is
// still captured).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace eryx::wasi {

using OutputHandler = std::function<void(std::string_view)>;

class OutputCapture {
 public:
  static constexpr uint64_t kDefaultMaxBytes = 1024 * 1024;

  explicit OutputCapture(uint64_t max_bytes = kDefaultMaxBytes, OutputHandler handler = {})
      : max_bytes_(max_bytes), handler_(std::move(handler)) {}

  // Sets the cap and the handler for what follows (does not clear what was captured).
  void configure(uint64_t max_bytes, OutputHandler handler);
  void set_max_bytes(uint64_t max_bytes) { max_bytes_ = max_bytes; }
  void set_handler(OutputHandler handler) { handler_ = std::move(handler); }

  // One guest write; its chunks (iovecs) reach the handler as one piece when small enough.
  void write(std::span<const std::string_view> chunks);
  void write(std::string_view data) { write(std::span<const std::string_view>(&data, 1)); }

  std::string_view data() const { return buffer_; }
  // Returns the captured bytes and empties the buffer; truncated() and total_bytes() remain until
  // reset().
  std::string take();
  // Forgets everything captured: buffer, truncated flag and byte count (the cap and handler stay).
  void reset();

  bool truncated() const { return truncated_; }
  uint64_t total_bytes() const { return total_bytes_; }
  uint64_t max_bytes() const { return max_bytes_; }

 private:
  void append(std::string_view data);

  uint64_t max_bytes_;
  OutputHandler handler_;
  std::string buffer_;
  bool truncated_ = false;
  uint64_t total_bytes_ = 0;
};

}  // namespace eryx::wasi
