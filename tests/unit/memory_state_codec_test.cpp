// The memory section of SandboxFactory files and Session snapshots, read back and checked.
#include "snapshot/memory_state_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "eryx/errors.hpp"
#include "snapshot/factory_image.h"
#include "snapshot/image_envelope.h"

namespace {

using eryx::snapshot::MemoryState;
using eryx::snapshot::read_memory_state;
using eryx::snapshot::write_memory_state;

constexpr uint64_t kMemory = 20 * 64 * 1024;

std::string encode(uint64_t memory_size, const eryx::snapshot::StateGlobals& globals,
                   const eryx::snapshot::PageViews& pages) {
  eryx::codec::Writer out;
  write_memory_state(out, memory_size, globals, pages);
  return out.str();
}

MemoryState decode(const std::string& data) {
  eryx::codec::Reader in(data);
  auto state = read_memory_state(in, "test image");
  EXPECT_TRUE(in.done());
  return state;
}

TEST(MemoryStateCodec, RoundTripsMemorySizeGlobalsAndPages) {
  std::string page(4096, 'p');
  // The pages are views into the encoded bytes, which must outlive them.
  std::string encoded =
      encode(kMemory, {{"__stack_pointer", 8388000}}, {{4096, page}, {65536, "x"}});
  auto state = decode(encoded);
  EXPECT_EQ(state.memory_size, kMemory);
  ASSERT_EQ(state.globals.size(), 1u);
  EXPECT_EQ(state.globals[0].first, "__stack_pointer");
  EXPECT_EQ(state.globals[0].second, 8388000u);
  ASSERT_EQ(state.pages.size(), 2u);
  EXPECT_EQ(state.pages[0].first, 4096u);
  EXPECT_EQ(state.pages[0].second, page);
  EXPECT_EQ(state.pages[1].second, "x");
}

TEST(MemoryStateCodec, MemorySizeOfPartialWasmPagesIsCorrupt) {
  EXPECT_THROW(decode(encode(kMemory + 4096, {}, {})), eryx::Error);
}

TEST(MemoryStateCodec, MemoryBeyondWasm32IsCorrupt) {
  EXPECT_THROW(decode(encode((uint64_t{4} << 30) + 65536, {}, {})), eryx::Error);
}

TEST(MemoryStateCodec, HostileGlobalCountIsCorrupt) {
  eryx::snapshot::StateGlobals globals(65, {"g", 1});
  EXPECT_THROW(decode(encode(kMemory, globals, {})), eryx::Error);
}

TEST(MemoryStateCodec, OverlongGlobalNameIsRefused) {
  EXPECT_THROW(decode(encode(kMemory, {{std::string(257, 'n'), 1}}, {})), eryx::codec::DecodeError);
}

TEST(MemoryStateCodec, PageReachingPastTheMemoryIsCorrupt) {
  std::string page(4096, 'p');
  EXPECT_THROW(decode(encode(kMemory, {}, {{kMemory - 4095, page}})), eryx::Error);
  EXPECT_THROW(decode(encode(kMemory, {}, {{kMemory + 1, ""}})), eryx::Error);
}

TEST(MemoryStateCodec, TruncatedSectionRaisesDecodeError) {
  auto data = encode(kMemory, {{"g", 1}}, {{0, "abc"}});
  for (size_t length = 0; length < data.size(); ++length) {
    eryx::codec::Reader in(std::string_view(data).substr(0, length));
    EXPECT_THROW(read_memory_state(in, "test image"), eryx::codec::DecodeError) << length;
  }
}

// A SandboxFactory file goes through the same checks: a resealed payload with a hostile number of
// globals is refused with a clean error, not read into memory.
TEST(MemoryStateCodec, FactoryFileWithHostileGlobalCountIsRefused) {
  constexpr eryx::snapshot::ImageKind kFactoryKind{
      .magic = "ERYXFACT", .version = 1, .name = "SandboxFactory"};
  eryx::snapshot::StateGlobals globals(1000, {"g", 1});
  eryx::codec::Writer payload;
  write_memory_state(payload, kMemory, globals, {});
  payload.u32(0);  // no files
  auto file = eryx::snapshot::seal_image(kFactoryKind, "fingerprint", payload.str());
  EXPECT_THROW(eryx::snapshot::FactoryImage::deserialize(file, "fingerprint"), eryx::Error);
  // The same payload with one global loads.
  eryx::codec::Writer good;
  write_memory_state(good, kMemory, {{"g", 1}}, {});
  good.u32(0);
  auto image = eryx::snapshot::FactoryImage::deserialize(
      eryx::snapshot::seal_image(kFactoryKind, "fingerprint", good.str()), "fingerprint");
  EXPECT_EQ(image.globals.size(), 1u);
}

}  // namespace
