// The per-execution callback broker, without an engine: what the guest's imports rely on.
#include <gtest/gtest.h>

#include "sanitizer_slowdown.h"

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

Callback accepts_any_object(std::string name) {
  Callback callback;
  callback.name = std::move(name);
  callback.parameters_schema = Json::parse(R"({"type":"object"})");
  callback.handler = [](const Json& args) { return args.size(); };
  return callback;
}

constexpr int kSlowdown = eryx::testing::kSanitizerSlowdown;

TEST(CallbackBroker, ArgumentsWithManyKeysAreHandledInLinearTime) {
  // Decoding 100,000 keys into an ordered_json with Json::parse searched the keys per key: ~10 s
  // (and minutes under ASan).
  Broker broker(registry_of(accepts_any_object("f")).shared_data(), {});
  std::string arguments = "{";
  for (int i = 0; i < 100000; ++i) arguments += "\"k" + std::to_string(i) + "\":0,";
  arguments += "\"last\":0}";
  auto start = std::chrono::steady_clock::now();
  broker.start("f", arguments);
  Broker::Ready ready;
  ASSERT_EQ(broker.wait(start + 100s, [] { return false; }, &ready), Broker::WaitResult::kReady);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s * kSlowdown);
  auto completion = broker.take(ready.handle);
  ASSERT_TRUE(completion.has_value());
  EXPECT_EQ(completion->status, CallStatus::kOk);
  EXPECT_EQ(completion->payload, "100001");
}

TEST(CallbackBroker, FourMegabytesOfNestingAreInvalidArgumentsNotACrash) {
  Broker broker(registry_of(accepts_any_object("f")).shared_data(), {});
  broker.start("f", "{\"a\":" + std::string((4 << 20) - 16, '['));
  auto completion = next(broker);
  EXPECT_EQ(completion.status, CallStatus::kInvalidArguments);
  EXPECT_NE(completion.payload.find("nested deeper than"), std::string::npos) << completion.payload;
}

TEST(CallbackBroker, DuplicateArgumentIsRejectedBeforeValidation) {
  // The validator and the handler could otherwise see different values for "x".
  Broker broker(registry_of(echo("f")).shared_data(), {});
  broker.start("f", R"({"x": 1, "x": "one"})");
  auto completion = next(broker);
  EXPECT_EQ(completion.status, CallStatus::kInvalidArguments);
  EXPECT_NE(completion.payload.find("duplicate key 'x'"), std::string::npos) << completion.payload;
}

TEST(CallbackBroker, LongStringAgainstAPatternIsValidatedWithoutRecursion) {
  Callback callback = accepts_any_object("f");
  callback.parameters_schema = Json::parse(
      R"({"type":"object","properties":{"s":{"type":"string","pattern":"^([a-z]|-)*$"}}})");
  Broker broker(registry_of(callback).shared_data(), {});
  broker.start("f", R"({"s":")" + std::string(3 << 20, 'q') + R"("})");
  EXPECT_EQ(next(broker).status, CallStatus::kOk);
  broker.start("f", R"({"s":")" + std::string(3 << 20, 'q') + R"(!"})");
  EXPECT_EQ(next(broker).status, CallStatus::kInvalidArguments);
}

std::string large_arguments(size_t bytes) {
  return R"({"s":")" + std::string(bytes, 'q') + R"("})";
}

TEST(CallbackBroker, WaitStaysInterruptibleWhileLargeArgumentsAreValidated) {
  // Validating megabytes takes tenths of a second: on the pool, not in start().
  Broker broker(registry_of(accepts_any_object("f")).shared_data(), {});
  broker.start("f", large_arguments(4000000));
  Broker::Ready ready;
  EXPECT_EQ(broker.wait(std::nullopt, [] { return true; }, &ready), Broker::WaitResult::kStopped);
  EXPECT_EQ(next(broker).status, CallStatus::kOk);
}

TEST(CallbackBroker, LargeArgumentsViolatingTheSchemaAreRejected) {
  Callback callback = accepts_any_object("f");
  callback.parameters_schema =
      Json::parse(R"({"type":"object","properties":{"s":{"maxLength":9}}})");
  Broker broker(registry_of(callback).shared_data(), {});
  broker.start("f", large_arguments(100000));
  EXPECT_EQ(next(broker).status, CallStatus::kInvalidArguments);
}

TEST(CallbackBroker, AsyncHandlerOfLargeArgumentsIsCalledOnTheWaitingThread) {
  std::thread::id called_on;
  Callback callback;
  callback.name = "f";
  callback.async_handler = [&](const Json& args, eryx::CallbackReply reply) {
    called_on = std::this_thread::get_id();
    reply.succeed(args["s"].get_ref<const std::string&>().size());
  };
  Broker broker(registry_of(callback).shared_data(), {});
  broker.start("f", large_arguments(100000));
  auto completion = next(broker);
  EXPECT_EQ(completion.status, CallStatus::kOk);
  EXPECT_EQ(completion.payload, "100000");
  EXPECT_EQ(called_on, std::this_thread::get_id());
}

// ---- registration ------------------------------------------------------------------------------

Callback named(std::string name) {
  Callback callback = accepts_any_object(std::move(name));
  return callback;
}

std::string registration_error(Callback callback) {
  try {
    CallbackRegistry().add(std::move(callback));
  } catch (const eryx::InvalidArgumentError& e) {
    return e.what();
  }
  return "";
}

TEST(CallbackRegistry, DunderNamesAreReserved) {
  for (const char* name : {"__builtins__", "__name__", "tools.__class__", "__init__.x"}) {
    EXPECT_NE(registration_error(named(name)).find("reserved"), std::string::npos) << name;
  }
}

TEST(CallbackRegistry, UnderscoreNamesThatAreNotDunderAreAccepted) {
  for (const char* name : {"_private", "__mangled", "trailing__", "_", "store._x_"}) {
    EXPECT_EQ(registration_error(named(name)), "") << name;
  }
}

TEST(CallbackRegistry, NameWithANulOrSpaceIsInvalid) {
  EXPECT_NE(registration_error(named(std::string("a\0b", 3))).find("a\\x00b"), std::string::npos);
  EXPECT_NE(registration_error(named("a b")), "");
  EXPECT_NE(registration_error(named("")), "");
}

TEST(CallbackRegistry, SchemaWhoseTypeIsNotAStringIsInvalidAndNamesTheCallback) {
  Callback callback = named("f");
  callback.parameters_schema = Json::parse(R"({"type": 5})");
  EXPECT_NE(registration_error(callback).find("'f'"), std::string::npos);
}

TEST(CallbackRegistry, SchemaThatIsNotAnObjectIsInvalid) {
  Callback callback = named("f");
  callback.parameters_schema = Json::array();
  EXPECT_NE(registration_error(callback), "");
}

TEST(CallbackRegistry, UnsupportedPatternIsRefusedAtRegistrationNamingTheCallback) {
  Callback callback = named("f");
  callback.parameters_schema =
      Json::parse(R"({"type":"object","properties":{"s":{"type":"string","pattern":"(x)\\1"}}})");
  std::string error = registration_error(callback);
  EXPECT_NE(error.find("callback 'f'"), std::string::npos) << error;
  EXPECT_NE(error.find("not supported"), std::string::npos) << error;
}

}  // namespace
