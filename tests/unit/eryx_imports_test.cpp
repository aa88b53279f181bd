// The `eryx` import module without an engine (src/host/eryx_imports.h): the bounds checks, caps and
// answers the guest relies on, driven through a byte buffer as a guest would.
#include "host/eryx_imports.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "callbacks/broker.h"
#include "callbacks/registry_data.h"
#include "guest.h"

namespace {

using eryx::host::HostState;
using eryx::testing::Guest;
namespace host = eryx::host;

TEST(EryxImports, ReportExceptionKeepsTheThreeFields) {
  Guest guest;
  HostState state;
  auto type = guest.put("ValueError");
  auto message = guest.put("oops");
  auto traceback = guest.put("Traceback ...");
  ASSERT_TRUE(host::report_exception(state, guest.mem(), type, 10, message, 4, traceback, 13).ok());
  ASSERT_TRUE(state.exception);
  EXPECT_EQ(state.exception->type_name, "ValueError");
  EXPECT_EQ(state.exception->message, "oops");
  EXPECT_EQ(state.exception->traceback, "Traceback ...");
}

TEST(EryxImports, ReportExceptionOutOfBoundsTraps) {
  Guest guest;
  HostState state;
  auto ok = guest.put("x");
  auto result = host::report_exception(state, guest.mem(), ok, 1, guest.size() - 2, 10, ok, 1);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.trap().message.find("out-of-bounds"), std::string::npos);
  EXPECT_FALSE(state.exception);
}

TEST(EryxImports, ReportExceptionCutsAHugeField) {
  Guest guest(2 * 1024 * 1024);
  HostState state;
  std::string huge(host::kMaxReportedField + 1000, 'a');
  auto ptr = guest.put(huge);
  auto small = guest.put("x");
  ASSERT_TRUE(host::report_exception(state, guest.mem(), small, 1, ptr,
                                     static_cast<uint32_t>(huge.size()), small, 1)
                  .ok());
  EXPECT_LT(state.exception->message.size(), huge.size());
  EXPECT_NE(state.exception->message.find("[truncated by eryx]"), std::string::npos);
}

TEST(EryxImports, ReportResultWithAnUnknownKindTraps) {
  Guest guest;
  HostState state;
  auto text = guest.put("1");
  EXPECT_FALSE(host::report_result(state, guest.mem(), 3, text, 1).ok());
  EXPECT_FALSE(host::report_result(state, guest.mem(), UINT32_MAX, text, 1).ok());
}

TEST(EryxImports, ReportResultKeepsKindAndText) {
  Guest guest;
  HostState state;
  auto text = guest.put("[1, 2]");
  ASSERT_TRUE(host::report_result(state, guest.mem(), ERYX_RESULT_JSON, text, 6).ok());
  EXPECT_EQ(state.result->kind, eryx::host::GuestResult::Kind::kJson);
  EXPECT_EQ(state.result->text, "[1, 2]");
}

TEST(EryxImports, CallbackStartOutsideAnExecutionAnswersNoCall) {
  Guest guest;
  HostState state;
  auto name = guest.put("f");
  auto args = guest.put("{}");
  auto result = host::callback_start(state, guest.mem(), name, 1, args, 2);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value(), uint32_t{ERYX_NO_CALL});
}

TEST(EryxImports, CallbackStartOutOfBoundsTrapsEvenOutsideAnExecution) {
  Guest guest;
  HostState state;
  EXPECT_FALSE(host::callback_start(state, guest.mem(), guest.size(), 1, 0, 0).ok());
  EXPECT_FALSE(host::callback_start(state, guest.mem(), 0, 0, UINT32_MAX, 2).ok());
}

TEST(EryxImports, CallbackWaitChecksItsOutPointer) {
  Guest guest;
  HostState state;
  EXPECT_FALSE(host::callback_wait(state, guest.mem(), 0, guest.size() - 8).ok());
  auto result = host::callback_wait(state, guest.mem(), 0, guest.size() - 12);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value(), uint32_t{ERYX_WAIT_IDLE});  // no execution, nothing in flight
}

TEST(EryxImports, CallbackTakeChecksItsBuffer) {
  Guest guest;
  HostState state;
  EXPECT_FALSE(host::callback_take(state, guest.mem(), 1, guest.size() - 4, 8).ok());
  auto result = host::callback_take(state, guest.mem(), 1, 0, 8);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value(), ERYX_TAKE_UNKNOWN_HANDLE);
}

TEST(EryxImports, ACallRoundTripsThroughStartWaitAndTake) {
  eryx::CallbackRegistry registry;
  eryx::Callback twice;
  twice.name = "twice";
  twice.parameters_schema = eryx::Json::parse(
      R"({"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]})");
  twice.handler = [](const eryx::Json& args) { return eryx::Json(args["x"].get<int>() * 2); };
  registry.add(twice);
  eryx::callbacks::Broker broker(registry.shared_data(), {});
  Guest guest;
  HostState state;
  state.callbacks = &broker;
  auto name = guest.put("twice");
  auto args = guest.put(R"({"x": 21})");
  auto handle = host::callback_start(state, guest.mem(), name, 5, args, 9);
  ASSERT_TRUE(handle.ok());
  ASSERT_GT(handle.value(), 0u);
  auto out = guest.alloc(12, 4);
  auto waited = host::callback_wait(state, guest.mem(), 5000, out);
  ASSERT_TRUE(waited.ok());
  ASSERT_EQ(waited.value(), uint32_t{ERYX_WAIT_READY});
  EXPECT_EQ(*guest.mem().read<uint32_t>(out), handle.value());
  EXPECT_EQ(*guest.mem().read<uint32_t>(out + 4), uint32_t{ERYX_CALLBACK_OK});
  uint32_t size = *guest.mem().read<uint32_t>(out + 8);
  auto buffer = guest.alloc(size);
  // A buffer one byte short is refused and the completion stays ready.
  EXPECT_EQ(host::callback_take(state, guest.mem(), handle.value(), buffer, size - 1).value(),
            ERYX_TAKE_BUFFER_TOO_SMALL);
  auto taken = host::callback_take(state, guest.mem(), handle.value(), buffer, size);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(guest.data() + buffer), taken.value()), "42");
}

TEST(EryxImports, CallbackWaitEndsAtOnceForAnInterruptAndRaisesIt) {
  eryx::CallbackRegistry registry;
  eryx::Callback slow;
  slow.name = "slow";
  slow.handler = [](const eryx::Json&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return eryx::Json(1);
  };
  registry.add(slow);
  eryx::callbacks::Broker broker(registry.shared_data(), {});
  Guest guest;
  HostState state;
  state.callbacks = &broker;
  eryx::CancellationToken token;
  state.stop = token.state();
  state.accept_interrupts = true;
  // Words the interrupt writes: an eval-breaker word and an async-exception slot.
  eryx::host::HostWords words;
  words.eval_breaker_addr = guest.alloc(4, 4);
  words.async_exc_addr = guest.alloc(4, 4);
  words.async_exc_bit = 1u << 3;
  words.keyboard_interrupt = 0x1234;
  state.host_words = &words;
  auto name = guest.put("slow");
  auto args = guest.put("{}");
  ASSERT_TRUE(host::callback_start(state, guest.mem(), name, 4, args, 2).ok());
  token.interrupt();
  auto start = std::chrono::steady_clock::now();
  auto waited = host::callback_wait(state, guest.mem(), -1, guest.alloc(12, 4));
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited.value(), uint32_t{ERYX_WAIT_TIMED_OUT});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));
  EXPECT_EQ(*guest.mem().read<uint32_t>(words.async_exc_addr), 0x1234u);
  EXPECT_EQ(*guest.mem().read<uint32_t>(words.eval_breaker_addr), 1u << 3);
}

}  // namespace
