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
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace eryx::wasi {

using OutputHandler = std::function<void(std::string_view)>;

// Transforms output before it is kept or handed to the handler (the secrets scrubber). It may hold
// back the end of a write that could still turn out to be part of something it replaces, until
// more output or flush().
class OutputFilter {
 public:
  virtual ~OutputFilter() = default;
  virtual std::string write(std::string_view chunk) = 0;
  // Everything held back; the filter starts a new stream afterwards.
  virtual std::string flush() = 0;
};

class OutputCapture {
 public:
  static constexpr uint64_t kDefaultMaxBytes = 1024 * 1024;

  explicit OutputCapture(uint64_t max_bytes = kDefaultMaxBytes, OutputHandler handler = {})
      : max_bytes_(max_bytes), handler_(std::move(handler)) {}

  // A copy has no filter: a filter's held-back state belongs to one stream.
  OutputCapture(const OutputCapture& other)
      : max_bytes_(other.max_bytes_),
        handler_(other.handler_),
        buffer_(other.buffer_),
        truncated_(other.truncated_),
        total_bytes_(other.total_bytes_) {}
  OutputCapture& operator=(const OutputCapture&) = delete;

  // Sets the cap and the handler for what follows (does not clear what was captured).
  void configure(uint64_t max_bytes, OutputHandler handler);
  void set_max_bytes(uint64_t max_bytes) { max_bytes_ = max_bytes; }
  void set_handler(OutputHandler handler) { handler_ = std::move(handler); }
  // Passes every write through `filter` first (null: none). The cap applies to what it returns.
  void set_filter(std::unique_ptr<OutputFilter> filter) { filter_ = std::move(filter); }
  // Ends the stream: what the filter held back is kept and handed to the handler. Call it when an
  // execution ends, however it ends.
  void finish();

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
  void deliver(std::string_view data);  // to the handler, then the buffer

  uint64_t max_bytes_;
  OutputHandler handler_;
  std::unique_ptr<OutputFilter> filter_;
  std::string buffer_;
  bool truncated_ = false;
  uint64_t total_bytes_ = 0;
};

}  // namespace eryx::wasi
