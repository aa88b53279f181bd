// Round-trip cost of callbacks: guest `await` -> host handler -> guest, in one Session (so only the
// callback path is measured, not interpreter start-up). Per-call figures are derived from the
// "calls" counter (items_per_second).
#include <benchmark/benchmark.h>

#include <string>

#include "callbacks/broker.h"
#include "callbacks/schema_validator.h"
#include "eryx/eryx.hpp"

namespace {

eryx::Session& session_with_echo() {
  static eryx::Session* session = [] {
    eryx::CallbackRegistry registry;
    registry.add(
        eryx::make_callback("echo", "returns its argument", {"x"}, [](int x) { return x; }));
    eryx::SandboxOptions options;
    options.callbacks = registry;
    options.limits.max_callback_invocations.reset();
    return new eryx::Session(options);
  }();
  return *session;
}

// The same loop without callbacks, to subtract the Python-side loop and execute overhead.
void BM_SessionLoopWithoutCallbacks(benchmark::State& state) {
  auto& session = session_with_echo();
  std::string code = "async def f(x):\n    return x\nfor i in range(" +
                     std::to_string(state.range(0)) + "):\n    await f(i)";
  for (auto _ : state) session.execute(code);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SessionLoopWithoutCallbacks)->Arg(100)->Unit(benchmark::kMillisecond);

void BM_CallbackSequential(benchmark::State& state) {
  auto& session = session_with_echo();
  std::string code = "for i in range(" + std::to_string(state.range(0)) + "):\n    await echo(i)";
  for (auto _ : state) session.execute(code);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_CallbackSequential)->Arg(100)->Unit(benchmark::kMillisecond);

void BM_CallbackGather(benchmark::State& state) {
  auto& session = session_with_echo();
  std::string code = "import asyncio\nawait asyncio.gather(*(echo(i) for i in range(" +
                     std::to_string(state.range(0)) + ")))";
  for (auto _ : state) session.execute(code);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_CallbackGather)->Arg(100)->Unit(benchmark::kMillisecond);

// The host side alone (no guest): validate, dispatch to the pool, wait, take.
void BM_BrokerRoundTrip(benchmark::State& state) {
  eryx::CallbackRegistry registry;
  registry.add(eryx::make_callback("echo", "", {"x"}, [](int x) { return x; }));
  eryx::callbacks::Broker broker(registry.shared_data(), {});
  for (auto _ : state) {
    uint32_t handle = broker.start("echo", R"({"x": 1})");
    eryx::callbacks::Broker::Ready ready;
    broker.wait(std::nullopt, [] { return false; }, &ready);
    benchmark::DoNotOptimize(broker.take(handle));
  }
}
BENCHMARK(BM_BrokerRoundTrip)->Unit(benchmark::kMicrosecond);

// Schema validation alone.
void BM_SchemaValidation(benchmark::State& state) {
  eryx::callbacks::SchemaValidator validator(
      R"({"type":"object","properties":{"x":{"type":"integer"}},"required":["x"],"additionalProperties":false})");
  for (auto _ : state) benchmark::DoNotOptimize(validator.validate(R"({"x": 1})"));
}
BENCHMARK(BM_SchemaValidation)->Unit(benchmark::kMicrosecond);

}  // namespace
