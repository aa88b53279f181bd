// Callbacks: host functions that real sandboxed Python awaits.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "eryx/callbacks.hpp"
#include "eryx/eryx.hpp"

namespace {

using eryx::Callback;
using eryx::CallbackRegistry;
using eryx::Json;
using eryx::Sandbox;
using eryx::SandboxOptions;
using eryx::Session;

SandboxOptions with_callbacks(CallbackRegistry registry) {
  SandboxOptions options;
  options.callbacks = std::move(registry);
  return options;
}

CallbackRegistry arithmetic() {
  CallbackRegistry registry;
  registry.add(eryx::make_callback("add", "Adds two integers", {"a", "b"},
                                   [](int a, int b) { return a + b; }));
  return registry;
}

Callback sleeper(std::string name, int milliseconds) {
  Callback callback;
  callback.name = std::move(name);
  callback.description = "sleeps, then returns its argument";
  callback.parameters_schema = Json::parse(R"({"type":"object","properties":{"x":{}}})");
  callback.handler = [milliseconds](const Json& args) {
    std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds));
    return args.value("x", Json());
  };
  return callback;
}

TEST(Callbacks, SyncCallbackIsAwaitableGlobal) {
  auto result = Sandbox(with_callbacks(arithmetic())).execute("print(await add(2, 3))");
  EXPECT_EQ(result.stdout_text, "5\n");
  EXPECT_EQ(result.stats.callback_invocations, 1u);
}

// The traceback a user reads starts at their code: no frames of asyncio.run, the runtime that
// runs top-level await, or the callback proxies.
std::string traceback_of(const Sandbox& sandbox, std::string_view code) {
  try {
    sandbox.execute(code);
  } catch (const eryx::ExecutionError& e) {
    return e.traceback();
  }
  ADD_FAILURE() << "no exception";
  return {};
}

TEST(Callbacks, TracebackOfAFailedCallbackShowsOnlyTheUsersFrames) {
  CallbackRegistry registry;
  registry.add(eryx::make_callback("fail", "raises", {},
                                   []() -> int { throw std::runtime_error("host side"); }));
  auto traceback = traceback_of(Sandbox(with_callbacks(std::move(registry))),
                                "async def g():\n    return await fail()\nawait g()");
  EXPECT_EQ(traceback.rfind("Traceback (most recent call last):\n  File \"<exec>\", line 3", 0),
            0u)
      << traceback;
  EXPECT_NE(traceback.find("line 2, in g"), std::string::npos) << traceback;
  EXPECT_EQ(traceback.find("<eryx callbacks>"), std::string::npos) << traceback;
  EXPECT_EQ(traceback.find("asyncio"), std::string::npos) << traceback;
}

TEST(Callbacks, TracebackOfTopLevelAwaitStartsAtTheUsersCodeInEveryChainedException) {
  auto traceback = traceback_of(Sandbox(), R"(import asyncio
async def f():
    raise KeyError(1)
try:
    await f()
except KeyError as e:
    raise ValueError(3) from e)");
  EXPECT_EQ(traceback.find("run_coroutine"), std::string::npos) << traceback;
  EXPECT_EQ(traceback.find("runners.py"), std::string::npos) << traceback;
  EXPECT_NE(traceback.find("raise KeyError(1)"), std::string::npos) << traceback;
  EXPECT_NE(traceback.find("ValueError: 3"), std::string::npos) << traceback;
}

TEST(Callbacks, KeywordArgumentsMapByName) {
  auto result = Sandbox(with_callbacks(arithmetic())).execute("print(await add(b=10, a=1))");
  EXPECT_EQ(result.stdout_text, "11\n");
}

TEST(Callbacks, PositionalAndKeywordArgumentsMix) {
  auto result = Sandbox(with_callbacks(arithmetic())).execute("print(await add(7, b=1))");
  EXPECT_EQ(result.stdout_text, "8\n");
}

TEST(Callbacks, TooManyPositionalArgumentsRaiseTypeErrorInGuest) {
  auto result = Sandbox(with_callbacks(arithmetic()))
                    .execute(
                        "try:\n    await add(1, 2, 3)\n"
                        "except TypeError as e:\n    print('TypeError', e)");
  EXPECT_EQ(result.stdout_text, "TypeError add() takes 2 positional arguments but 3 were given\n");
  EXPECT_EQ(result.stats.callback_invocations, 0u);
}

TEST(Callbacks, AsyncHandlerCompletesFromAnotherThread) {
  CallbackRegistry registry;
  Callback callback;
  callback.name = "later";
  callback.async_handler = [](const Json&, eryx::CallbackReply reply) {
    std::thread([reply] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      reply.succeed(Json{{"done", true}});
    }).detach();
  };
  registry.add(callback);
  auto result = Sandbox(with_callbacks(registry)).execute("print(await later())");
  EXPECT_EQ(result.stdout_text, "{'done': True}\n");
}

TEST(Callbacks, FutureReturningTypedHandlerIsWaitedOn) {
  CallbackRegistry registry;
  registry.add(eryx::make_callback("twice", "", {"s"}, [](std::string s) {
    return std::async(std::launch::async, [s] { return s + s; });
  }));
  auto result = Sandbox(with_callbacks(registry)).execute("print(await twice('ab'))");
  EXPECT_EQ(result.stdout_text, "abab\n");
}

TEST(Callbacks, GatherRunsCallbacksConcurrently) {
  CallbackRegistry registry;
  registry.add(sleeper("nap", 400));
  auto start = std::chrono::steady_clock::now();
  auto result = Sandbox(with_callbacks(registry))
                    .execute(
                        "import asyncio\n"
                        "print(await asyncio.gather(nap(1), nap(2), nap(3), nap(4)))");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.stdout_text, "[1, 2, 3, 4]\n");
  EXPECT_EQ(result.stats.callback_invocations, 4u);
  // Sequentially this takes 1.6 s; concurrently about 0.4 s.
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000));
}

TEST(Callbacks, SchemaDefaultsFillMissingArguments) {
  CallbackRegistry registry;
  Callback callback;
  callback.name = "greet";
  callback.parameters_schema = Json::parse(
      R"({"type":"object","properties":{"name":{"type":"string"},
          "greeting":{"type":"string","default":"Hello"}},"required":["name"]})");
  callback.handler = [](const Json& args) {
    return Json(args["greeting"].get<std::string>() + ", " + args["name"].get<std::string>());
  };
  registry.add(callback);
  auto result = Sandbox(with_callbacks(registry)).execute("print(await greet('Ada'))");
  EXPECT_EQ(result.stdout_text, "Hello, Ada\n");
}

TEST(Callbacks, OptionalTypedParameterMayBeOmitted) {
  CallbackRegistry registry;
  registry.add(eryx::make_callback("label", "", {"text", "suffix"},
                                   [](std::string text, std::optional<std::string> suffix) {
                                     return text + suffix.value_or("!");
                                   }));
  auto result = Sandbox(with_callbacks(registry))
                    .execute("print(await label('a'), await label('b', suffix='?'))");
  EXPECT_EQ(result.stdout_text, "a! b?\n");
}

struct Point {
  double x = 0;
  double y = 0;
  std::optional<std::string> label;
};
ERYX_CALLBACK_STRUCT(Point, x, y, label)

TEST(Callbacks, StructCallbackDerivesSchemaFromFields) {
  CallbackRegistry registry;
  registry.add(eryx::make_struct_callback<Point>("norm", "squared norm", [](const Point& p) {
    return Json{{"value", p.x * p.x + p.y * p.y}, {"label", p.label.value_or("none")}};
  }));
  auto result = Sandbox(with_callbacks(registry))
                    .execute(
                        "print(await norm(3, 4))\n"
                        "print(list_callbacks()[0]['parameters_schema']['required'])");
  EXPECT_EQ(result.stdout_text, "{'value': 25.0, 'label': 'none'}\n['x', 'y']\n");
}

TEST(Callbacks, DottedNamesBecomeNamespaces) {
  CallbackRegistry registry;
  registry.add(eryx::make_callback("store.kv.get", "", {"key"},
                                   [](std::string key) { return "value of " + key; }));
  auto result = Sandbox(with_callbacks(registry))
                    .execute(
                        "print(await store.kv.get(key='k'))\n"
                        "print(await invoke('store.kv.get', key='j'))");
  EXPECT_EQ(result.stdout_text, "value of k\nvalue of j\n");
}

TEST(Callbacks, NameShadowingABuiltinIsReachableThroughInvokeOnly) {
  CallbackRegistry registry;
  registry.add(eryx::make_callback("print", "", {"x"}, [](int x) { return x * 2; }));
  auto result = Sandbox(with_callbacks(registry))
                    .execute("print(await invoke('print', 21))\nprint(callable(print))");
  EXPECT_EQ(result.stdout_text, "42\nTrue\n");
}

TEST(Callbacks, ListCallbacksDescribesEveryCallback) {
  auto result = Sandbox(with_callbacks(arithmetic()))
                    .execute(
                        "import json\n"
                        "print(json.dumps(list_callbacks()))");
  auto listed = Json::parse(result.stdout_text);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["name"], "add");
  EXPECT_EQ(listed[0]["description"], "Adds two integers");
  EXPECT_EQ(listed[0]["parameters_schema"]["properties"]["a"]["type"], "integer");
  EXPECT_EQ(listed[0]["parameters_schema"]["required"], Json::parse(R"(["a","b"])"));
}

TEST(Callbacks, HandlerExceptionRaisesCallbackErrorWithHostMessage) {
  CallbackRegistry registry;
  registry.add(eryx::make_callback(
      "fail", "", {}, []() -> int { throw eryx::CallbackError("database unavailable"); }));
  auto result = Sandbox(with_callbacks(registry))
                    .execute(
                        "try:\n    await fail()\n"
                        "except CallbackError as e:\n    print(e.kind, e.name, str(e))");
  EXPECT_EQ(result.stdout_text, "error fail database unavailable\n");
}

TEST(Callbacks, UncaughtCallbackErrorIsAnExecutionError) {
  CallbackRegistry registry;
  registry.add(eryx::make_callback("fail", "", {}, []() -> int { throw std::runtime_error("x"); }));
  try {
    Sandbox(with_callbacks(registry)).execute("await fail()");
    FAIL() << "expected ExecutionError";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(e.type_name(), "eryx.CallbackError");
    EXPECT_EQ(e.message(), "x");
  }
}

TEST(Callbacks, InvalidArgumentsAreRejectedBeforeTheHandlerRuns) {
  std::atomic<int> calls{0};
  CallbackRegistry registry;
  registry.add(eryx::make_callback("add", "", {"a", "b"}, [&calls](int a, int b) {
    ++calls;
    return a + b;
  }));
  auto result = Sandbox(with_callbacks(registry))
                    .execute(
                        "try:\n    await add('x', 1)\n"
                        "except CallbackError as e:\n    print(e.kind, e)");
  EXPECT_EQ(calls.load(), 0);
  EXPECT_NE(result.stdout_text.find("invalid_arguments invalid arguments for callback 'add': /a"),
            std::string::npos)
      << result.stdout_text;
}

TEST(Callbacks, MissingRequiredArgumentIsRejected) {
  auto result = Sandbox(with_callbacks(arithmetic()))
                    .execute(
                        "try:\n    await add(1)\n"
                        "except CallbackError as e:\n    print(e.kind)");
  EXPECT_EQ(result.stdout_text, "invalid_arguments\n");
}

TEST(Callbacks, UnknownNameRaisesThroughInvoke) {
  auto result = Sandbox(with_callbacks(arithmetic()))
                    .execute(
                        "try:\n    await invoke('nope', x=1)\n"
                        "except CallbackError as e:\n    print(e.kind, e)");
  EXPECT_EQ(result.stdout_text, "unknown no callback named 'nope'\n");
}

TEST(Callbacks, SlowCallbackTimesOutWithTimeoutErrorInGuest) {
  CallbackRegistry registry;
  registry.add(sleeper("slow", 2000));
  auto options = with_callbacks(registry);
  options.limits.callback_timeout_ms = 100;
  auto start = std::chrono::steady_clock::now();
  auto result = Sandbox(options).execute(
      "try:\n    await slow(1)\n"
      "except TimeoutError as e:\n    print(type(e).__name__, e.kind)");
  EXPECT_EQ(result.stdout_text, "CallbackTimeoutError timeout\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
}

TEST(Callbacks, InvocationLimitRaisesInGuestAndCanBeCaught) {
  auto options = with_callbacks(arithmetic());
  options.limits.max_callback_invocations = 3;
  auto result = Sandbox(options).execute(
      "n = 0\n"
      "try:\n"
      "    for i in range(10):\n        n = await add(n, 1)\n"
      "except CallbackError as e:\n    print(n, e.kind)");
  EXPECT_EQ(result.stdout_text, "3 limit\n");
  EXPECT_EQ(result.stats.callback_invocations, 3u);
}

TEST(Callbacks, UncaughtInvocationLimitIsResourceLimitError) {
  auto options = with_callbacks(arithmetic());
  options.limits.max_callback_invocations = 2;
  EXPECT_THROW(Sandbox(options).execute("for i in range(5):\n    await add(i, 1)"),
               eryx::ResourceLimitError);
}

TEST(Callbacks, OversizedArgumentsAreRejected) {
  CallbackRegistry registry;
  registry.add(sleeper("echo", 0));
  auto options = with_callbacks(registry);
  options.limits.max_callback_payload_bytes = 1000;
  auto result = Sandbox(options).execute(
      "try:\n    await echo('y' * 5000)\n"
      "except CallbackError as e:\n    print(e.kind)\n"
      "print(await echo('small'))");
  EXPECT_EQ(result.stdout_text, "too_large\nsmall\n");
}

TEST(Callbacks, OversizedResultIsRejected) {
  CallbackRegistry registry;
  registry.add(eryx::make_callback("big", "", {}, [] { return std::string(10'000, 'z'); }));
  auto options = with_callbacks(registry);
  options.limits.max_callback_payload_bytes = 1000;
  auto result = Sandbox(options).execute(
      "try:\n    await big()\n"
      "except CallbackError as e:\n    print(e.kind)");
  EXPECT_EQ(result.stdout_text, "too_large\n");
}

TEST(Callbacks, ExecutionTimeoutHoldsWhileWaitingForACallback) {
  CallbackRegistry registry;
  registry.add(sleeper("slow", 3000));
  auto options = with_callbacks(registry);
  options.limits.execution_timeout_ms = 200;
  options.limits.callback_timeout_ms = 10'000;
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(Sandbox(options).execute("await slow(1)"), eryx::TimeoutError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
}

TEST(Callbacks, CancellationReachesAnExecutionWaitingForACallback) {
  CallbackRegistry registry;
  registry.add(sleeper("slow", 3000));
  eryx::CancellationToken token;
  Sandbox sandbox(with_callbacks(registry));
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    token.cancel();
  });
  EXPECT_THROW(sandbox.execute("await slow(1)", token), eryx::CancelledError);
  canceller.join();
}

TEST(Callbacks, SessionKeepsCallbacksAcrossExecutesAndClearState) {
  Session session(with_callbacks(arithmetic()));
  session.execute("x = await add(1, 1)");
  auto result = session.execute("print(await add(x, 10))");
  EXPECT_EQ(result.stdout_text, "12\n");
  session.clear_state();
  EXPECT_EQ(session.execute("print(await add(0, 1))").stdout_text, "1\n");
}

TEST(Callbacks, CallbackReenteringItsOwnSessionGetsAClearError) {
  auto session = std::make_shared<std::unique_ptr<Session>>();
  CallbackRegistry registry;
  // A weak reference: the session holds the registry, so a strong one would be a cycle (a leak).
  registry.add(
      eryx::make_callback("reenter", "", {}, [weak = std::weak_ptr(session)]() -> std::string {
        (*weak.lock())->execute("pass");
        return "unreachable";
      }));
  *session = std::make_unique<Session>(with_callbacks(registry));
  auto result = (*session)->execute(
      "try:\n    await reenter()\n"
      "except CallbackError as e:\n    print('refused:', 'deadlock' in str(e))");
  EXPECT_EQ(result.stdout_text, "refused: True\n");
}

TEST(Callbacks, CallbackMayExecuteInTheSandboxThatCalledIt) {
  auto sandbox = std::make_shared<std::unique_ptr<Sandbox>>();
  CallbackRegistry registry;
  registry.add(eryx::make_callback("inner", "", {}, [weak = std::weak_ptr(sandbox)]() {
    return (*weak.lock())->execute("print(6 * 7)").stdout_text;
  }));
  *sandbox = std::make_unique<Sandbox>(with_callbacks(registry));
  EXPECT_EQ((*sandbox)->execute("print(await inner(), end='')").stdout_text, "42\n");
}

TEST(Callbacks, WithoutCallbacksNoNamesAreAddedToGlobals) {
  auto result = Sandbox().execute("print('invoke' in globals(), 'list_callbacks' in globals())");
  EXPECT_EQ(result.stdout_text, "False False\n");
}

TEST(Callbacks, CancelledGuestWaitDropsTheLateResult) {
  CallbackRegistry registry;
  registry.add(sleeper("slow", 300));
  auto result = Sandbox(with_callbacks(registry))
                    .execute(
                        "import asyncio\n"
                        "try:\n    await asyncio.wait_for(slow(1), 0.05)\n"
                        "except TimeoutError:\n    print('gave up')\n"
                        "print(await slow(2))");
  EXPECT_EQ(result.stdout_text, "gave up\n2\n");
}

TEST(CallbackRegistry, RejectsInvalidNames) {
  CallbackRegistry registry;
  for (const char* name : {"", "1abc", "a..b", "a-b", ".a", "a."}) {
    EXPECT_THROW(registry.add(sleeper(name, 0)), eryx::InvalidArgumentError) << name;
  }
}

TEST(CallbackRegistry, RejectsDuplicateNames) {
  CallbackRegistry registry;
  registry.add(sleeper("a", 0));
  EXPECT_THROW(registry.add(sleeper("a", 0)), eryx::InvalidArgumentError);
}

TEST(CallbackRegistry, RejectsNonObjectSchema) {
  auto callback = sleeper("a", 0);
  callback.parameters_schema = Json::parse(R"({"type":"string"})");
  EXPECT_THROW(CallbackRegistry().add(callback), eryx::InvalidArgumentError);
}

TEST(CallbackRegistry, RejectsInvalidSchema) {
  auto callback = sleeper("a", 0);
  callback.parameters_schema =
      Json::parse(R"({"type":"object","properties":{"x":{"type":"nonsense"}}})");
  EXPECT_THROW(CallbackRegistry().add(callback), eryx::InvalidArgumentError);
}

TEST(CallbackRegistry, CopiesAreIndependentAfterAdd) {
  CallbackRegistry first;
  first.add(sleeper("a", 0));
  CallbackRegistry second = first;
  second.add(sleeper("b", 0));
  EXPECT_EQ(first.size(), 1u);
  EXPECT_EQ(second.size(), 2u);
}

}  // namespace

namespace {

CallbackRegistry length_of_pattern_string() {
  Callback callback;
  callback.name = "length";
  callback.parameters_schema =
      Json::parse(R"({"type":"object","properties":{"s":{"type":"string","pattern":"^(a|b)*$"}}})");
  callback.handler = [](const Json& args) {
    return args["s"].get_ref<const std::string&>().size();
  };
  CallbackRegistry registry;
  registry.add(std::move(callback));
  return registry;
}

TEST(Callbacks, LongGuestStringIsMatchedAgainstAPatternWithoutOverflowingTheHostStack) {
  // std::regex recursed per character: a host SIGSEGV at ~30,000 characters.
  auto result = Sandbox(with_callbacks(length_of_pattern_string()))
                    .execute(
                        "print(await length('ab' * 500_000))\n"
                        "try:\n    await length('ab' * 500_000 + 'c')\n"
                        "except CallbackError as e:\n    print(e.kind)");
  EXPECT_EQ(result.stdout_text, "1000000\ninvalid_arguments\n");
}

TEST(Callbacks, GuestSendingFourMegabytesOfNestingGetsInvalidArguments) {
  // Sent raw through the guest's _eryx module, as a hostile guest could.
  auto result = Sandbox(with_callbacks(length_of_pattern_string()))
                    .execute(
                        "import _eryx\n"
                        "_eryx.start('length', '{\"s\": ' + '[' * (4 * 1024 * 1024 - 16))\n"
                        "[(handle, status, payload)] = _eryx.wait(-1)\n"
                        "print(status)");
  EXPECT_EQ(result.stdout_text, "2\n");
}

}  // namespace
