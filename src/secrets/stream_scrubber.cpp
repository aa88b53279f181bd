#include "secrets/stream_scrubber.h"

#include <algorithm>
#include <utility>

#include "eryx/errors.hpp"

namespace eryx::secrets {

// How it works: the automaton reports, at each input position, the longest needle ending there;
// those spans are merged when they overlap (a later, longer match can reach back over several
// earlier ones, so merging pops from the back). A future match starts no earlier than
// pos_ - depth(state_), the `safe` point: input before it is final, so a span starting at or
// before it gets its marker, and raw text before it goes out.

StreamScrubber::StreamScrubber(std::shared_ptr<const Scrubber> scrubber)
    : scrubber_(std::move(scrubber)) {
  if (!scrubber_) throw InvalidArgumentError("eryx: a stream scrubber needs a scrubber");
}

std::string StreamScrubber::write(std::string_view chunk) {
  const Scrubber& scrubber = *scrubber_;
  std::string out;
  out.reserve(held_.size() + chunk.size());
  chunk_ = chunk;
  chunk_pos_ = pos_;
  for (char ch : chunk) {
    state_ = scrubber.step(state_, static_cast<uint8_t>(ch));
    ++pos_;
    if (uint32_t length = scrubber.match(state_)) {
      add_match(pos_ - length, pos_);
      // Emitting at each match keeps spans_ short however many matches a chunk holds.
      emit(pos_ - scrubber.depth(state_), out);
    }
  }
  emit(pos_ - scrubber.depth(state_), out);

  std::string rest;
  append_input(out_pos_, pos_, rest);
  held_ = std::move(rest);
  chunk_ = {};
  chunk_pos_ = pos_;
  return out;
}

std::string StreamScrubber::flush() {
  std::string out;
  emit(pos_, out);  // at the end no match can complete: everything is final
  state_ = Scrubber::kRoot;
  pos_ = out_pos_ = chunk_pos_ = 0;
  spans_.clear();
  held_.clear();
  return out;
}

void StreamScrubber::add_match(uint64_t start, uint64_t end) {
  bool emitted = false;
  while (!spans_.empty() && spans_.back().end > start) {
    start = std::min(start, spans_.back().start);
    emitted = emitted || spans_.back().emitted;
    spans_.pop_back();
  }
  spans_.push_back({start, end, emitted});
  if (emitted) out_pos_ = end;  // the marker already out now covers up to `end`
}

void StreamScrubber::emit(uint64_t safe, std::string& out) {
  while (true) {
    if (!spans_.empty() && spans_.front().emitted) {
      // A later match starting before its end would still extend it (and swallow what follows).
      if (spans_.front().end > safe) return;
      spans_.pop_front();
      continue;
    }
    if (!spans_.empty() && spans_.front().start <= safe) {
      // No later match can start before this span any more: its start, and the text before, are
      // final.
      Span& span = spans_.front();
      append_input(out_pos_, span.start, out);
      out += kRedactionMarker;
      span.emitted = true;
      out_pos_ = span.end;
      continue;
    }
    if (safe > out_pos_) {
      append_input(out_pos_, safe, out);
      out_pos_ = safe;
    }
    return;
  }
}

void StreamScrubber::append_input(uint64_t from, uint64_t to, std::string& out) const {
  if (from >= to) return;
  uint64_t held_pos = chunk_pos_ - held_.size();
  if (from < chunk_pos_) {
    uint64_t end = std::min(to, chunk_pos_);
    out.append(held_, static_cast<size_t>(from - held_pos), static_cast<size_t>(end - from));
    from = end;
  }
  if (from < to) {
    out.append(
        chunk_.substr(static_cast<size_t>(from - chunk_pos_), static_cast<size_t>(to - from)));
  }
}

}  // namespace eryx::secrets
