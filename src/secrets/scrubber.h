// Redaction of secrets in what leaves the sandbox: every occurrence of a secret's real value or of
// its placeholder becomes "[REDACTED]".
//
// Guarantees:
// - Matching is exact and byte-wise (binary data and NUL bytes included; no case folding, no
//   decoding: a base64 or hex copy of a secret is not a match).
// - Time is linear in the input plus the needles, whatever the input: an Aho-Corasick automaton
//   walks each byte once (failure links are amortised), so crafted output with many near-matches
//   cannot slow the host down.
// - Overlapping occurrences (of one needle or of several) are redacted as one: the union of their
//   spans becomes a single marker. Occurrences that only touch ("KEYKEY") give one marker each.
// - The result is a function of the whole text only: StreamScrubber gives the same bytes for any
//   split of the text into chunks.
// - A Scrubber is immutable once made, so one instance is shared by every stream of a sandbox and
//   by any number of threads.
//
// Not guaranteed: a needle that contains '[' or ']' or is a substring of "REDACTED" can reappear in
// the output across or inside a marker ("[REDACTED]" followed by "x" contains "D]x"). Raw text
// between two markers never contains a needle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace eryx::secrets {

inline constexpr std::string_view kRedactionMarker = "[REDACTED]";

class Scrubber : public std::enable_shared_from_this<Scrubber> {
  struct Token {
    explicit Token() = default;
  };

 public:
  // Total bytes of needles one Scrubber accepts: the automaton takes ~21 bytes per needle byte.
  static constexpr size_t kMaxNeedleBytes = 1024 * 1024;

  // The byte strings to redact (each secret's value and placeholder); duplicates are merged.
  // Throws InvalidArgumentError for an empty list (a scrubber that redacts nothing would only look
  // like protection), an empty needle (it would match everywhere) or more than kMaxNeedleBytes.
  static std::shared_ptr<const Scrubber> make(std::vector<std::string> needles);

  // `text` with every occurrence of a needle replaced (see the guarantees above).
  std::string scrub(std::string_view text) const;

  // Whether `text` holds any needle (no copy: a quick check before rewriting, e.g. a file).
  bool contains_needle(std::string_view text) const;

  // The length of the longest needle: a stream holds back fewer bytes than this.
  size_t longest() const { return longest_; }

  explicit Scrubber(Token) {}  // use make()

 private:
  // ---- The automaton (StreamScrubber walks it) ----
  friend class StreamScrubber;
  using State = uint32_t;
  static constexpr State kRoot = 0;
  // The state after reading `byte` in state `s`.
  State step(State s, uint8_t byte) const {
    for (;;) {
      if (s == kRoot) return root_next_[byte];
      if (State t = child(s, byte); t != kRoot) return t;
      s = fail_[s];
    }
  }
  // The length of the state's string: the longest suffix of the input read so far that is a prefix
  // of some needle. No match can start before that many bytes from the end.
  uint32_t depth(State s) const { return depth_[s]; }
  // The length of the longest needle ending here (0 for none).
  uint32_t match(State s) const { return match_[s]; }

  State child(State s, uint8_t byte) const;

  size_t longest_ = 0;
  State root_next_[256] = {};  // the root's transitions, dense: most bytes of most text land here
  std::vector<State> fail_;
  std::vector<uint32_t> depth_;
  std::vector<uint32_t> match_;
  // The children of state s are edge_byte_/edge_to_[edge_begin_[s] .. edge_begin_[s + 1]), sorted
  // by byte.
  std::vector<uint32_t> edge_begin_;
  std::vector<uint8_t> edge_byte_;
  std::vector<State> edge_to_;
};

}  // namespace eryx::secrets
