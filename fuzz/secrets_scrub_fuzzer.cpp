// The secrets scrubber (src/secrets) on arbitrary needles, text and chunkings: guest output is
// fully guest-controlled, and the needles include the host's secret values, which may be any bytes.
//
// Input: one byte n (1 + n % 4 needles); per needle a length byte (1 + l % 16) and its bytes; a
// count byte k and k chunk sizes (one byte each, 0 = an empty chunk, used in turn); the rest is the
// text. Invariants:
// - for the chunking, the concatenated StreamScrubber output equals Scrubber::scrub(text), and
//   each write holds back fewer than longest() bytes;
// - scrub(text) equals an obviously correct quadratic reference;
// - no needle occurs in the output, for needles that cannot be formed with the marker's own bytes
//   (a needle with '[' or ']', or inside "REDACTED", can: see src/secrets/scrubber.h);
// - the chunks written into a VFS file at their offsets in reverse order, then scrub_file, leave
//   the file holding scrub(text).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.h"
#include "secrets/file_scrubber.h"
#include "secrets/scrubber.h"
#include "secrets/stream_scrubber.h"
#include "vfs/node.h"

namespace {

using eryx::fuzz::fail;
using eryx::secrets::kRedactionMarker;

std::string reference_scrub(const std::vector<std::string>& needles, std::string_view text) {
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t i = 0; i < text.size(); ++i) {
    for (const auto& needle : needles) {
      if (text.substr(i).starts_with(needle)) spans.emplace_back(i, i + needle.size());
    }
  }
  std::sort(spans.begin(), spans.end());
  std::string out;
  size_t pos = 0;
  for (size_t i = 0; i < spans.size();) {
    auto [start, end] = spans[i];
    for (++i; i < spans.size() && spans[i].first < end; ++i) end = std::max(end, spans[i].second);
    out.append(text.substr(pos, start - pos));
    out.append(kRedactionMarker);
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

bool formable_with_marker(std::string_view needle) {
  return needle.find_first_of("[]") != std::string_view::npos ||
         std::string_view("REDACTED").find(needle) != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  eryx::fuzz::Input in(data, size);
  std::vector<std::string> needles;
  for (int i = 0, n = 1 + in.get<uint8_t>() % 4; i < n; ++i) {
    size_t length = 1 + in.get<uint8_t>() % 16;
    std::string_view needle = in.bytes(length);
    if (needle.empty()) break;
    needles.emplace_back(needle);
  }
  if (needles.empty()) return 0;
  std::vector<size_t> chunk_sizes;
  for (int i = 0, k = in.get<uint8_t>(); i < k; ++i) chunk_sizes.push_back(in.get<uint8_t>());
  std::string_view text = in.rest();

  auto scrubber = eryx::secrets::Scrubber::make(needles);
  std::string whole = scrubber->scrub(text);

  eryx::secrets::StreamScrubber stream(scrubber);
  std::string streamed;
  std::vector<std::pair<size_t, std::string_view>> chunks;  // (offset, bytes)
  size_t pos = 0;
  for (size_t i = 0; pos < text.size() && !chunk_sizes.empty(); ++i) {
    std::string_view chunk = text.substr(pos, chunk_sizes[i % chunk_sizes.size()]);
    chunks.emplace_back(pos, chunk);
    streamed += stream.write(chunk);
    if (stream.held() >= scrubber->longest()) fail("a stream holds back a whole needle or more");
    pos += chunk.size();
    if (i > 4 * text.size() + 16) break;  // only empty chunks: the rest goes in one piece
  }
  if (pos < text.size()) {
    chunks.emplace_back(pos, text.substr(pos));
    streamed += stream.write(text.substr(pos));
  }
  streamed += stream.flush();
  if (streamed != whole) fail("a chunked stream differs from scrub() of the whole text");

  if (whole != reference_scrub(needles, text)) fail("scrub() differs from the reference");
  if (!scrubber->contains_needle(text) && whole != text) fail("text without a needle changed");

  for (const auto& needle : needles) {
    if (!formable_with_marker(needle) && whole.find(needle) != std::string::npos) {
      fail("a needle survives scrubbing");
    }
  }

  auto accounting = std::make_shared<eryx::vfs::Accounting>();
  accounting->quota_bytes = 1 << 20;
  accounting->max_entries = 1;
  auto file = eryx::vfs::File::make_writable(accounting);
  for (auto it = chunks.rbegin(); it != chunks.rend(); ++it) {
    eryx::vfs::ConstBytes bytes(reinterpret_cast<const uint8_t*>(it->second.data()),
                                it->second.size());
    if (file->write(it->first, std::span<const eryx::vfs::ConstBytes>(&bytes, 1)) !=
        eryx::vfs::Status::kOk) {
      fail("a small file write failed");
    }
  }
  if (file->contents() != text) fail("the chunks written in reverse do not give the text");
  if (eryx::secrets::scrub_file(*scrubber, *file) != eryx::vfs::Status::kOk) {
    fail("scrubbing a small file failed");
  }
  if (file->contents() != whole) fail("a scrubbed file differs from scrub() of its bytes");
  if (accounting->used_bytes != whole.size()) fail("a scrubbed file is charged the wrong size");
  return 0;
}
