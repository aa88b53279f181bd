#include "wasi/output_capture.h"

#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace eryx::wasi {
namespace {

TEST(OutputCapture, KeepsWritesInOrder) {
  OutputCapture capture;
  capture.write("hello ");
  capture.write("world");
  EXPECT_EQ(capture.data(), "hello world");
  EXPECT_EQ(capture.total_bytes(), 11u);
  EXPECT_FALSE(capture.truncated());
}

TEST(OutputCapture, DropsBytesPastTheCapAndFlagsTruncation) {
  OutputCapture capture(8);
  capture.write("12345");
  capture.write("67890");
  EXPECT_EQ(capture.data(), "12345678");
  EXPECT_TRUE(capture.truncated());
  EXPECT_EQ(capture.total_bytes(), 10u);
}

TEST(OutputCapture, HandlerSeesEveryByteBeforeTheCap) {
  std::string streamed;
  OutputCapture capture(4, [&](std::string_view s) { streamed.append(s); });
  capture.write("abcdefgh");
  EXPECT_EQ(streamed, "abcdefgh");
  EXPECT_EQ(capture.data(), "abcd");
}

TEST(OutputCapture, ChunksOfOneWriteReachTheHandlerTogether) {
  std::vector<std::string> calls;
  OutputCapture capture(1024, [&](std::string_view s) { calls.emplace_back(s); });
  std::string_view chunks[] = {"ab", "", "cd"};
  capture.write(chunks);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], "abcd");
}

TEST(OutputCapture, HandlerExceptionIsSwallowedAndOutputKept) {
  OutputCapture capture(1024, [](std::string_view) { throw std::runtime_error("boom"); });
  EXPECT_NO_THROW(capture.write("data"));
  EXPECT_EQ(capture.data(), "data");
}

TEST(OutputCapture, TakeEmptiesTheBufferButKeepsFlags) {
  OutputCapture capture(2);
  capture.write("abc");
  EXPECT_EQ(capture.take(), "ab");
  EXPECT_EQ(capture.data(), "");
  EXPECT_TRUE(capture.truncated());
  EXPECT_EQ(capture.total_bytes(), 3u);
}

TEST(OutputCapture, ResetForgetsEverything) {
  OutputCapture capture(2);
  capture.write("abc");
  capture.reset();
  EXPECT_EQ(capture.data(), "");
  EXPECT_FALSE(capture.truncated());
  EXPECT_EQ(capture.total_bytes(), 0u);
  EXPECT_EQ(capture.max_bytes(), 2u);
}

TEST(OutputCapture, ConfigureChangesCapAndHandler) {
  OutputCapture capture;
  std::string streamed;
  capture.configure(3, [&](std::string_view s) { streamed.append(s); });
  capture.write("abcdef");
  EXPECT_EQ(capture.data(), "abc");
  EXPECT_EQ(streamed, "abcdef");
}

}  // namespace
}  // namespace eryx::wasi

namespace eryx::wasi {
namespace {

// Upper-cases, and holds back a trailing 'x' until more output or the end (like a scrubber that
// cannot yet tell whether a needle starts there).
class HoldingFilter final : public OutputFilter {
 public:
  std::string write(std::string_view chunk) override {
    std::string text = held_ + std::string(chunk);
    held_.clear();
    if (!text.empty() && text.back() == 'x') {
      held_ = "x";
      text.pop_back();
    }
    for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
  }
  std::string flush() override { return std::exchange(held_, ""); }

 private:
  std::string held_;
};

TEST(OutputCaptureFilter, TheBufferAndTheHandlerGetTheFilteredText) {
  std::string streamed;
  OutputCapture capture(1024, [&](std::string_view s) { streamed.append(s); });
  capture.set_filter(std::make_unique<HoldingFilter>());
  capture.write("ab");
  capture.write("cx");
  EXPECT_EQ(capture.data(), "ABC");
  capture.finish();
  EXPECT_EQ(capture.data(), "ABCx");
  EXPECT_EQ(streamed, "ABCx");
  EXPECT_EQ(capture.total_bytes(), 4u);
}

TEST(OutputCaptureFilter, TheCapAppliesToTheFilteredText) {
  OutputCapture capture(2);
  capture.set_filter(std::make_unique<HoldingFilter>());
  capture.write("abc");
  EXPECT_EQ(capture.data(), "AB");
  EXPECT_TRUE(capture.truncated());
}

TEST(OutputCaptureFilter, ACopyHasNoFilter) {
  OutputCapture capture;
  capture.set_filter(std::make_unique<HoldingFilter>());
  OutputCapture copy(capture);
  copy.write("ab");
  EXPECT_EQ(copy.data(), "ab");
}

}  // namespace
}  // namespace eryx::wasi
