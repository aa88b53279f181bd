#include "wasi/guest_memory.h"

#include <gtest/gtest.h>

#include <vector>

#include "wasi/abi.h"

namespace eryx::wasi {
namespace {

TEST(GuestMemory, BytesInsideAreReturned) {
  std::vector<uint8_t> buf(100);
  GuestMemory mem(buf.data(), buf.size());
  auto span = mem.bytes(10, 20);
  ASSERT_TRUE(span);
  EXPECT_EQ(span->data(), buf.data() + 10);
  EXPECT_EQ(span->size(), 20u);
}

TEST(GuestMemory, RangeEndingExactlyAtTheEndIsAllowed) {
  std::vector<uint8_t> buf(100);
  GuestMemory mem(buf.data(), buf.size());
  EXPECT_TRUE(mem.bytes(90, 10));
  EXPECT_TRUE(mem.bytes(100, 0));
}

TEST(GuestMemory, RangePastTheEndIsRejected) {
  std::vector<uint8_t> buf(100);
  GuestMemory mem(buf.data(), buf.size());
  EXPECT_FALSE(mem.bytes(91, 10));
  EXPECT_FALSE(mem.bytes(101, 0));
  EXPECT_FALSE(mem.read<uint32_t>(97));
  EXPECT_FALSE(mem.write<uint64_t>(93, 1));
}

TEST(GuestMemory, OverflowingPointerPlusLengthIsRejected) {
  std::vector<uint8_t> buf(100);
  GuestMemory mem(buf.data(), buf.size());
  EXPECT_FALSE(mem.bytes(0xFFFFFFF0u, 0x20));
  EXPECT_FALSE(mem.bytes(50, 0xFFFFFFFFu));
  EXPECT_FALSE(mem.array(8, 0x20000000u, 8));  // count * size wraps a u32
}

TEST(GuestMemory, ScalarsAreLittleEndianAndUnaligned) {
  std::vector<uint8_t> buf(16);
  GuestMemory mem(buf.data(), buf.size());
  ASSERT_TRUE(mem.write<uint32_t>(3, 0x11223344u));
  EXPECT_EQ(buf[3], 0x44);
  EXPECT_EQ(buf[6], 0x11);
  EXPECT_EQ(mem.read<uint32_t>(3), 0x11223344u);
}

TEST(GuestMemory, FailedWriteTouchesNothing) {
  std::vector<uint8_t> buf(16, 0xAA);
  GuestMemory mem(buf.data(), buf.size());
  EXPECT_FALSE(mem.write<uint64_t>(12, 0));
  for (uint8_t b : buf) EXPECT_EQ(b, 0xAA);
}

TEST(GuestMemory, EmptyMemoryRejectsEverythingButEmptyAtZero) {
  GuestMemory mem(nullptr, 0);
  EXPECT_TRUE(mem.bytes(0, 0));
  EXPECT_FALSE(mem.bytes(0, 1));
}

}  // namespace
}  // namespace eryx::wasi
