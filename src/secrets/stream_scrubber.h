// Scrubbing of output that arrives in chunks (stdout and stderr writes, streamed to handlers).
//
// Guarantees:
// - The concatenation of every write() and the final flush() is exactly Scrubber::scrub() of the
//   concatenated chunks, for any chunking (empty chunks included): a needle split across any
//   number of writes is still redacted.
// - Only what could still become part of a match is held back: the longest tail of the input that
//   is a prefix of some needle, so fewer than Scrubber::longest() bytes of raw text, and none at
//   all after text that ends no needle prefix (an ordinary line goes out at once).
// - Linear time in the total input; memory bounded by the needles, not by the input.
//
// flush() ends the stream: it emits the held-back bytes as they are (a needle cut short by the end
// is not a match, like any part of a value the guest chose to print) and starts a new, independent
// stream. Not thread-safe: one stream per writer.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "secrets/scrubber.h"

namespace eryx::secrets {

class StreamScrubber {
 public:
  // Throws InvalidArgumentError for a null scrubber.
  explicit StreamScrubber(std::shared_ptr<const Scrubber> scrubber);

  // The scrubbed text that is final after `chunk`.
  std::string write(std::string_view chunk);
  // The rest: everything held back, scrubbed. The stream starts over afterwards.
  std::string flush();

  // Raw bytes received but not yet emitted (fewer than longest()).
  size_t held() const { return static_cast<size_t>(pos_ - out_pos_); }

 private:
  // A redacted span [start, end) in absolute input positions; `emitted` once its marker is out.
  struct Span {
    uint64_t start;
    uint64_t end;
    bool emitted;
  };

  void add_match(uint64_t start, uint64_t end);
  // Emits everything before `safe` (no match can start before it any more).
  void emit(uint64_t safe, std::string& out);
  // Appends input [from, to) to `out`, from held_ (input before chunk_pos_) and chunk_.
  void append_input(uint64_t from, uint64_t to, std::string& out) const;

  std::shared_ptr<const Scrubber> scrubber_;
  Scrubber::State state_ = Scrubber::kRoot;
  uint64_t pos_ = 0;      // input bytes read
  uint64_t out_pos_ = 0;  // input before this is settled: emitted raw, or inside an emitted marker
  std::deque<Span> spans_;  // disjoint, in order; at most the front one is emitted
  std::string held_;        // input [out_pos_, pos_) between writes
  // During write(): the chunk and the absolute position of its first byte.
  std::string_view chunk_;
  uint64_t chunk_pos_ = 0;
};

}  // namespace eryx::secrets
