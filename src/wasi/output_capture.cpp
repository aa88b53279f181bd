#include "wasi/output_capture.h"

#include <algorithm>

namespace eryx::wasi {
namespace {

// Several iovecs are joined for the handler up to this size, so a print arrives as one piece;
// larger writes are handed over chunk by chunk rather than copied.
constexpr size_t kMaxJoinedWrite = 64 * 1024;

}  // namespace

void OutputCapture::configure(uint64_t max_bytes, OutputHandler handler) {
  max_bytes_ = max_bytes;
  handler_ = std::move(handler);
}

void OutputCapture::write(std::span<const std::string_view> chunks) {
  size_t total = 0;
  size_t non_empty = 0;
  for (auto chunk : chunks) {
    total += chunk.size();
    non_empty += chunk.empty() ? 0 : 1;
  }
  if (total == 0) return;
  total_bytes_ += total;
  if (filter_) {
    std::string joined;
    joined.reserve(total);
    for (auto chunk : chunks) joined.append(chunk);
    deliver(filter_->write(joined));
    return;
  }
  if (handler_) {
    try {
      if (non_empty > 1 && total <= kMaxJoinedWrite) {
        std::string joined;
        joined.reserve(total);
        for (auto chunk : chunks) joined.append(chunk);
        handler_(joined);
      } else {
        for (auto chunk : chunks) {
          if (!chunk.empty()) handler_(chunk);
        }
      }
    } catch (...) {
      // Deliberately swallowed: see the header.
    }
  }
  for (auto chunk : chunks) append(chunk);
}

void OutputCapture::finish() {
  if (filter_) deliver(filter_->flush());
}

void OutputCapture::deliver(std::string_view data) {
  if (data.empty()) return;
  if (handler_) {
    try {
      handler_(data);
    } catch (...) {
      // Deliberately swallowed: see the header.
    }
  }
  append(data);
}

void OutputCapture::append(std::string_view data) {
  uint64_t room = buffer_.size() < max_bytes_ ? max_bytes_ - buffer_.size() : 0;
  size_t kept = static_cast<size_t>(std::min<uint64_t>(room, data.size()));
  if (kept < data.size()) truncated_ = true;
  buffer_.append(data.substr(0, kept));
}

std::string OutputCapture::take() {
  std::string out = std::move(buffer_);
  buffer_.clear();
  return out;
}

void OutputCapture::reset() {
  buffer_.clear();
  buffer_.shrink_to_fit();
  truncated_ = false;
  total_bytes_ = 0;
}

}  // namespace eryx::wasi
