// SandboxPool (eryx/pool.hpp): a pooled `acquire + execute('pass') + release` beside a fresh
// `factory.create_sandbox().execute('pass')` of the same factory, in one run, on one thread and on
// two (the pool bounds concurrency; it keeps no interpreter, so the two should cost the same).
// Run: build/bench/eryx_bench --benchmark_filter='Pool|FactoryFresh'.
#include <benchmark/benchmark.h>

#include "engine/engine_variant.h"
#include "engine/factory_builder.h"
#include "engine/runtime_core.h"
#include "eryx/eryx.hpp"

namespace {

// The factory of issue 15's factory targets: three imports.
const eryx::SandboxFactory& bench_factory() {
  static const auto* factory = new eryx::SandboxFactory({.imports = {"json", "decimal", "re"}});
  return *factory;
}

const eryx::SandboxPool& bench_pool() {
  static const auto* pool = new eryx::SandboxPool(bench_factory().create_pool({.max_size = 4}));
  return *pool;
}

void BM_FactoryFreshSandboxPass(benchmark::State& state) {
  const auto& factory = bench_factory();
  for (auto _ : state) benchmark::DoNotOptimize(factory.create_sandbox().execute("pass"));
  state.SetItemsProcessed(state.iterations());
}

void BM_PoolAcquireExecuteRelease(benchmark::State& state) {
  const auto& pool = bench_pool();
  for (auto _ : state) {
    auto lease = pool.acquire();
    benchmark::DoNotOptimize(lease.execute("pass"));
  }
  state.SetItemsProcessed(state.iterations());
}

// What the pool itself adds: a lease without an execution, and the sandbox object alone.
void BM_PoolAcquireRelease(benchmark::State& state) {
  const auto& pool = bench_pool();
  for (auto _ : state) benchmark::DoNotOptimize(pool.acquire());
}

void BM_FactorySandboxObjectOnly(benchmark::State& state) {
  const auto& factory = bench_factory();
  for (auto _ : state) benchmark::DoNotOptimize(factory.create_sandbox());
}

// What a pre-instantiated ("warm") slot could take off a lease's path: instantiating the image
// (the built-in snapshot here), beside a whole fresh execute of `pass` on the same runtime.
void BM_InstantiateOnly(benchmark::State& state) {
  const auto& variant = eryx::Runtime::shared()->core().variant_for({});
  for (auto _ : state) benchmark::DoNotOptimize(variant.fresh_instance({}));
}

// The same for the three-import factory's image (built here through the engine, as
// SandboxFactory builds it), beside BM_FactoryFreshSandboxPass.
void BM_FactoryInstantiateOnly(benchmark::State& state) {
  const auto& variant = eryx::Runtime::shared()->core().variant_for({});
  static const auto* image = [&] {
    eryx::engine::FactorySpec spec;
    spec.imports = {"json", "decimal", "re"};
    spec.build_timeout_ms = 60'000;
    return new eryx::snapshot::FactoryImage(eryx::engine::build_factory_image(variant, spec));
  }();
  for (auto _ : state) benchmark::DoNotOptimize(variant.fresh_instance({}, image));
}

void BM_BuiltinFreshSandboxPass(benchmark::State& state) {
  eryx::Sandbox sandbox;
  for (auto _ : state) benchmark::DoNotOptimize(sandbox.execute("pass"));
}

BENCHMARK(BM_FactoryFreshSandboxPass)
    ->Unit(benchmark::kMillisecond)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK(BM_PoolAcquireExecuteRelease)
    ->Unit(benchmark::kMillisecond)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK(BM_PoolAcquireRelease)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FactorySandboxObjectOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InstantiateOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FactoryInstantiateOnly)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BuiltinFreshSandboxPass)->Unit(benchmark::kMicrosecond);

}  // namespace
