// Start-up costs of the foundation: engine, module compile vs load, interpreter start, and one
// execute of `pass` on a fresh interpreter. Run: make bench (or build/bench/eryx_bench).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/guest_module.h"
#include "eryx/eryx.hpp"

namespace {

const std::filesystem::path kGuestDir = ERYX_BENCH_GUEST_DIR;

void BM_EngineCreate(benchmark::State& state) {
  for (auto _ : state) {
    wasmtime::Engine engine(eryx::engine::make_engine_config());
    benchmark::DoNotOptimize(engine);
  }
}
BENCHMARK(BM_EngineCreate)->Unit(benchmark::kMicrosecond);

void BM_ModuleCompile(benchmark::State& state) {
  wasmtime::Engine engine(eryx::engine::make_engine_config());
  for (auto _ : state) {
    auto module = eryx::engine::load_guest_module(engine, kGuestDir / "eryx-guest.wasm",
                                                  kGuestDir / "does-not-exist.cwasm");
    benchmark::DoNotOptimize(module);
  }
}
BENCHMARK(BM_ModuleCompile)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_ModuleLoadPrecompiled(benchmark::State& state) {
  wasmtime::Engine engine(eryx::engine::make_engine_config());
  for (auto _ : state) {
    auto module = eryx::engine::load_guest_module(engine, kGuestDir / "eryx-guest.wasm",
                                                  kGuestDir / "eryx-guest.cwasm");
    benchmark::DoNotOptimize(module);
  }
}
BENCHMARK(BM_ModuleLoadPrecompiled)->Unit(benchmark::kMillisecond);

// Engine (with its instance pool) + snapshot module load + a probe instance + the stdlib image.
void BM_RuntimeCreateWithInterpreterStart(benchmark::State& state) {
  for (auto _ : state) {
    auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
    benchmark::DoNotOptimize(runtime);
  }
}
BENCHMARK(BM_RuntimeCreateWithInterpreterStart)->Unit(benchmark::kMillisecond);

void BM_SandboxExecutePass(benchmark::State& state) {
  eryx::Sandbox sandbox;
  for (auto _ : state) benchmark::DoNotOptimize(sandbox.execute("pass"));
}
BENCHMARK(BM_SandboxExecutePass)->Unit(benchmark::kMillisecond);

void BM_SandboxCreateAndExecutePass(benchmark::State& state) {
  auto runtime = eryx::Runtime::shared();
  for (auto _ : state) {
    eryx::Sandbox sandbox({}, runtime);
    benchmark::DoNotOptimize(sandbox.execute("pass"));
  }
  // items_per_second sums over threads: the throughput the Threads variants compare.
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SandboxCreateAndExecutePass)->Unit(benchmark::kMillisecond);

// Fresh sandboxes running code that picks each built-in image (src/engine/image_modules.h):
// `pass` (plain image), three imports the images hold, and `pass` steered into the asyncio image.
// With ERYX_BENCH_COMPARE_GUEST_DIR set (e.g. another build's guest), the same rows run on that
// guest too, in the same process: before/after ratios from one run.
const char* const kImageCode[] = {"pass", "import dataclasses, typing, datetime", "pass  # async"};

void fresh_executions(benchmark::State& state, const std::shared_ptr<eryx::Runtime>& runtime) {
  const char* code = kImageCode[state.range(0)];
  state.SetLabel(code);
  // Page faults per execution (minor: copy-on-write and first touches): a figure the machine's
  // load does not blur.
  rusage before{};
  getrusage(RUSAGE_THREAD, &before);
  for (auto _ : state) {
    eryx::Sandbox sandbox({}, runtime);
    benchmark::DoNotOptimize(sandbox.execute(code));
  }
  rusage after{};
  getrusage(RUSAGE_THREAD, &after);
  state.counters["faults"] = benchmark::Counter(
      static_cast<double>(after.ru_minflt - before.ru_minflt), benchmark::Counter::kAvgIterations);
}

void BM_SandboxCreateAndExecuteImage(benchmark::State& state) {
  fresh_executions(state, eryx::Runtime::shared());
}
BENCHMARK(BM_SandboxCreateAndExecuteImage)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

// Registered only when ERYX_BENCH_COMPARE_GUEST_DIR names a guest.
const bool kComparedGuestRegistered = [] {
  const char* dir = std::getenv("ERYX_BENCH_COMPARE_GUEST_DIR");
  if (dir == nullptr || *dir == '\0') return false;
  std::string guest = dir;
  benchmark::RegisterBenchmark("BM_SandboxCreateAndExecuteImageOnComparedGuest",
                               [guest](benchmark::State& state) {
                                 static auto runtime = eryx::Runtime::create({.guest_dir = guest});
                                 fresh_executions(state, runtime);
                               })
      ->DenseRange(0, 2)
      ->Unit(benchmark::kMillisecond);
  return true;
}();

// The same with every instance allocated on demand (ERYX_INSTANCE_POOL_SLOTS=0): what the pooling
// allocator saves, measured in one run. Also from several threads at once, where on-demand
// instances contend for the process's memory map (mmap/munmap) and pooled ones do not.
std::shared_ptr<eryx::Runtime> runtime_without_pool() {
  static auto runtime = [] {
    ::setenv("ERYX_INSTANCE_POOL_SLOTS", "0", 1);
    auto created = eryx::Runtime::create({.guest_dir = kGuestDir});
    ::unsetenv("ERYX_INSTANCE_POOL_SLOTS");
    return created;
  }();
  return runtime;
}

void BM_SandboxCreateAndExecutePassWithoutPool(benchmark::State& state) {
  auto runtime = runtime_without_pool();
  for (auto _ : state) {
    eryx::Sandbox sandbox({}, runtime);
    benchmark::DoNotOptimize(sandbox.execute("pass"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SandboxCreateAndExecutePassWithoutPool)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SandboxCreateAndExecutePass)
    ->Name("BM_SandboxCreateAndExecutePassThreads")
    ->Unit(benchmark::kMillisecond)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime();
BENCHMARK(BM_SandboxCreateAndExecutePassWithoutPool)
    ->Name("BM_SandboxCreateAndExecutePassWithoutPoolThreads")
    ->Unit(benchmark::kMillisecond)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime();

// A new runtime and its first sandbox: the in-process part of "first sandbox in a fresh process".
void BM_RuntimeCreateAndFirstExecute(benchmark::State& state) {
  for (auto _ : state) {
    auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
    benchmark::DoNotOptimize(eryx::Sandbox({}, runtime).execute("pass"));
  }
}
BENCHMARK(BM_RuntimeCreateAndFirstExecute)->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

void BM_SessionExecutePass(benchmark::State& state) {
  eryx::Session session;
  for (auto _ : state) benchmark::DoNotOptimize(session.execute("pass"));
}
BENCHMARK(BM_SessionExecutePass)->Unit(benchmark::kMicrosecond);

void BM_SessionExecuteIncrement(benchmark::State& state) {
  eryx::Session session;
  session.execute("x = 0");
  for (auto _ : state) benchmark::DoNotOptimize(session.execute("x += 1"));
}
BENCHMARK(BM_SessionExecuteIncrement)->Unit(benchmark::kMicrosecond);

void BM_SandboxExecuteIncrement(benchmark::State& state) {
  eryx::Sandbox sandbox;
  for (auto _ : state) benchmark::DoNotOptimize(sandbox.execute("x = 0\nx += 1"));
}
BENCHMARK(BM_SandboxExecuteIncrement)->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

void BM_SessionFork(benchmark::State& state) {
  eryx::Session session;
  session.execute("import json\ndata = list(range(10000))");
  for (auto _ : state) benchmark::DoNotOptimize(session.fork());
}
BENCHMARK(BM_SessionFork)->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

void BM_FactoryBuildWithThreeImports(benchmark::State& state) {
  eryx::Runtime::shared();
  for (auto _ : state) {
    eryx::SandboxFactory factory({.imports = {"json", "decimal", "re"}});
    benchmark::DoNotOptimize(factory);
  }
}
BENCHMARK(BM_FactoryBuildWithThreeImports)->Unit(benchmark::kMillisecond);

void BM_FactoryCreateAndExecutePass(benchmark::State& state) {
  eryx::SandboxFactory factory({.imports = {"json", "decimal", "re"}});
  for (auto _ : state) benchmark::DoNotOptimize(factory.create_sandbox().execute("pass"));
}
BENCHMARK(BM_FactoryCreateAndExecutePass)->Unit(benchmark::kMillisecond);

}  // namespace
