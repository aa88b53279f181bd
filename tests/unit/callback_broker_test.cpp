// The per-execution callback broker, without an engine: what the guest's imports rely on.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "callbacks/broker.h"
#include "callbacks/registry_data.h"

namespace {

using eryx::Callback;
using eryx::CallbackRegistry;
using eryx::Json;
using eryx::callbacks::Broker;
using eryx::callbacks::CallLimits;
using eryx::callbacks::CallStatus;
using namespace std::chrono_literals;

Callback echo(std::string name, std::chrono::milliseconds delay = 0ms) {
  Callback callback;
  callback.name = std::move(name);
  callback.parameters_schema =
      Json::parse(R"({"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]})");
  callback.handler = [delay](const Json& args) {
    std::this_thread::sleep_for(delay);
    return args["x"];
  };
  return callback;
}

CallbackRegistry registry_of(Callback callback) {
  CallbackRegistry registry;
  registry.add(std::move(callback));
  return registry;
}

CallLimits invocations(uint64_t n) {
  CallLimits limits;
  limits.max_invocations = n;
  return limits;
}
CallLimits payload_bytes(uint64_t n) {
  CallLimits limits;
  limits.max_payload_bytes = n;
  return limits;
}
CallLimits timeout_ms(uint64_t n) {
  CallLimits limits;
  limits.timeout_ms = n;
  return limits;
}

// Waits for the next completion and takes it.
eryx::callbacks::Completion next(Broker& broker) {
  Broker::Ready ready;
  auto result = broker.wait(std::chrono::steady_clock::now() + 5s, [] { return false; }, &ready);
  EXPECT_EQ(result, Broker::WaitResult::kReady);
  auto completion = broker.take(ready.handle);
  EXPECT_TRUE(completion.has_value());
  EXPECT_EQ(completion->payload.size(), ready.payload_size);
  return completion.value_or(eryx::callbacks::Completion{});
}

TEST(CallbackBroker, CompletesACallWithItsJsonResult) {
  Broker broker(registry_of(echo("f")).shared_data(), {});
  uint32_t handle = broker.start("f", R"({"x": 7})");
  auto completion = next(broker);
  EXPECT_EQ(completion.handle, handle);
  EXPECT_EQ(completion.status, CallStatus::kOk);
  EXPECT_EQ(completion.payload, "7");
}

TEST(CallbackBroker, UnknownNameCompletesAtOnce) {
  Broker broker(registry_of(echo("f")).shared_data(), {});
  broker.start("g", "{}");
  EXPECT_EQ(next(broker).status, CallStatus::kUnknown);
}

TEST(CallbackBroker, NoRegistryMeansEveryNameIsUnknown) {
  Broker broker(nullptr, {});
  broker.start("f", "{}");
  EXPECT_EQ(next(broker).status, CallStatus::kUnknown);
}

TEST(CallbackBroker, ArgumentsViolatingTheSchemaAreRejected) {
  Broker broker(registry_of(echo("f")).shared_data(), {});
  broker.start("f", R"({"x": "seven"})");
  auto completion = next(broker);
  EXPECT_EQ(completion.status, CallStatus::kInvalidArguments);
  EXPECT_NE(completion.payload.find("/x"), std::string::npos) << completion.payload;
}

TEST(CallbackBroker, MalformedJsonIsRejected) {
  Broker broker(registry_of(echo("f")).shared_data(), {});
  broker.start("f", R"({"x": )");
  EXPECT_EQ(next(broker).status, CallStatus::kInvalidArguments);
}

TEST(CallbackBroker, InvocationLimitRefusesFurtherCalls) {
  Broker broker(registry_of(echo("f")).shared_data(), invocations(1));
  broker.start("f", R"({"x": 1})");
  EXPECT_EQ(next(broker).status, CallStatus::kOk);
  broker.start("f", R"({"x": 2})");
  EXPECT_EQ(next(broker).status, CallStatus::kLimit);
  EXPECT_EQ(broker.invocations(), 1u);
  EXPECT_TRUE(broker.limit_exceeded());
}

TEST(CallbackBroker, OversizedArgumentsAreRejected) {
  Broker broker(registry_of(echo("f")).shared_data(), payload_bytes(8));
  broker.start("f", R"({"x": 123456789})");
  EXPECT_EQ(next(broker).status, CallStatus::kTooLarge);
}

TEST(CallbackBroker, SlowCallTimesOut) {
  Broker broker(registry_of(echo("f", 500ms)).shared_data(), timeout_ms(20));
  broker.start("f", R"({"x": 1})");
  EXPECT_EQ(next(broker).status, CallStatus::kTimeout);
}

TEST(CallbackBroker, WaitWithNothingInFlightIsIdle) {
  Broker broker(nullptr, {});
  Broker::Ready ready;
  EXPECT_EQ(broker.wait(std::nullopt, [] { return false; }, &ready), Broker::WaitResult::kIdle);
}

TEST(CallbackBroker, WaitStopsWhenTheExecutionMustStop) {
  Broker broker(registry_of(echo("f", 300ms)).shared_data(), {});
  broker.start("f", R"({"x": 1})");
  Broker::Ready ready;
  EXPECT_EQ(broker.wait(std::nullopt, [] { return true; }, &ready), Broker::WaitResult::kStopped);
}

TEST(CallbackBroker, WaitReturnsAtItsOwnTimeout) {
  Broker broker(registry_of(echo("f", 300ms)).shared_data(), {});
  broker.start("f", R"({"x": 1})");
  Broker::Ready ready;
  auto until = std::chrono::steady_clock::now() + 10ms;
  EXPECT_EQ(broker.wait(until, [] { return false; }, &ready), Broker::WaitResult::kTimedOut);
}

TEST(CallbackBroker, HandlerFinishingAfterTheBrokerIsGoneIsHarmless) {
  auto registry = registry_of(echo("f", 50ms));
  {
    Broker broker(registry.shared_data(), {});
    broker.start("f", R"({"x": 1})");
  }
  std::this_thread::sleep_for(100ms);  // the handler completes into a closed table
  SUCCEED();
}

TEST(CallbackBroker, DroppedAsyncReplyFailsTheCall) {
  Callback callback;
  callback.name = "f";
  callback.async_handler = [](const Json&, eryx::CallbackReply) {};  // never answers
  Broker broker(registry_of(callback).shared_data(), {});
  broker.start("f", "{}");
  EXPECT_EQ(next(broker).status, CallStatus::kError);
}

TEST(CallbackBroker, OnlyTheFirstAsyncReplyCounts) {
  Callback callback;
  callback.name = "f";
  callback.async_handler = [](const Json&, eryx::CallbackReply reply) {
    reply.succeed(1);
    reply.fail("too late");
    reply.succeed(2);
  };
  Broker broker(registry_of(callback).shared_data(), {});
  broker.start("f", "{}");
  auto completion = next(broker);
  EXPECT_EQ(completion.status, CallStatus::kOk);
  EXPECT_EQ(completion.payload, "1");
  Broker::Ready ready;
  EXPECT_EQ(broker.wait(std::nullopt, [] { return false; }, &ready), Broker::WaitResult::kIdle);
}

TEST(CallbackBroker, TakeIntoTooSmallBufferLeavesTheCompletionReady) {
  Broker broker(registry_of(echo("f")).shared_data(), {});
  uint32_t handle = broker.start("f", R"({"x": 12345})");
  Broker::Ready ready;
  ASSERT_EQ(broker.wait(std::nullopt, [] { return false; }, &ready), Broker::WaitResult::kReady);
  Broker::TakeError error;
  EXPECT_FALSE(broker.take(handle, 2, &error).has_value());
  EXPECT_EQ(error, Broker::TakeError::kTooSmall);
  auto completion = broker.take(handle, 5);
  ASSERT_TRUE(completion.has_value());
  EXPECT_EQ(completion->payload, "12345");
}

TEST(CallbackBroker, TakeOfAnUnknownHandleIsEmpty) {
  Broker broker(nullptr, {});
  EXPECT_FALSE(broker.take(12345).has_value());
}

}  // namespace
