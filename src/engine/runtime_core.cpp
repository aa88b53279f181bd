#include "engine/runtime_core.h"

#include <chrono>
#include <fstream>
#include <iterator>

#include "engine/guest_instance.h"
#include "engine/guest_module.h"
#include "engine/host_functions.h"
#include "engine/large_stack.h"
#include "eryx/errors.hpp"
#include "vfs/vfs.h"

namespace eryx::detail {
namespace {

using Clock = std::chrono::steady_clock;

// The epoch tick: the granularity of timeouts and cancellation.
constexpr std::chrono::microseconds kEpochPeriod{1000};

std::shared_ptr<const std::string> read_shared(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InitializationError("eryx: cannot read " + path.string());
  return std::make_shared<const std::string>(std::istreambuf_iterator<char>(in),
                                             std::istreambuf_iterator<char>());
}

// The stdlib zip is named after the guest's Python version (python313.zip); the glue looks for it
// under /usr/local/lib.
std::filesystem::path find_stdlib_zip(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with("python3") && name.ends_with(".zip")) return entry.path();
  }
  throw InitializationError("eryx: no python3*.zip stdlib in " + dir.string());
}

wasmtime::Engine make_engine() { return wasmtime::Engine(engine::make_engine_config()); }

}  // namespace

RuntimeCore::RuntimeCore(const RuntimeOptions& options)
    : engine_(make_engine()),
      module_(engine::load_guest_module(engine_, options.guest_dir / "eryx-guest.wasm",
                                        options.guest_dir / "eryx-guest.cwasm")),
      linker_(engine_) {
  engine::define_host_functions(linker_);
  auto zip = find_stdlib_zip(options.guest_dir);
  stdlib_zip_ = read_shared(zip);
  stdlib_zip_name_ = zip.filename().string();
  ticker_ = std::make_unique<engine::EpochTicker>(engine_, kEpochPeriod);

  // Start one interpreter and keep its state: every fresh execution begins from this image.
  engine::run_with_stack(engine::kMaxWasmStack, [&] {
    engine::EpochTicker::Activity activity(*ticker_);
    engine::GuestInstance instance(engine_, linker_, module_, make_wasi(), {});
    auto baseline = instance.memory_copy();
    instance.initialize();
    instance.state().wasi->stdout_capture().reset();
    instance.state().wasi->stderr_capture().reset();
    pristine_ = instance.capture(baseline);
  });
}

RuntimeCore::~RuntimeCore() = default;

std::unique_ptr<wasi::WasiContext> RuntimeCore::make_wasi() const {
  wasi::WasiOptions options;
  options.vfs = vfs::make_default_layout(stdlib_zip_name_, stdlib_zip_);
  return std::make_unique<wasi::WasiContext>(std::move(options));
}

ExecuteResult RuntimeCore::execute_fresh(std::string_view code, const SandboxOptions& options,
                                         const std::atomic<bool>* cancel) const {
  ExecuteResult result;
  auto& engine = const_cast<wasmtime::Engine&>(engine_);
  engine::run_with_stack(engine::kMaxWasmStack, [&] {
    auto start = Clock::now();
    engine::EpochTicker::Activity activity(*ticker_);
    engine::GuestInstance instance(engine, linker_, module_, nullptr,
                                   {.max_memory_bytes = options.limits.max_memory_bytes});
    instance.restore(pristine_);
    auto& wasi = *instance.state().wasi;
    wasi.stdout_capture().configure(options.limits.max_output_bytes, options.on_stdout);
    wasi.stderr_capture().configure(options.limits.max_output_bytes, options.on_stderr);
    if (options.limits.execution_timeout_ms) {
      instance.set_deadline(start + std::chrono::milliseconds(*options.limits.execution_timeout_ms));
    }
    instance.set_cancel_flag(cancel);

    auto status = instance.execute(code);

    result.stdout_text = wasi.stdout_capture().take();
    result.stderr_text = wasi.stderr_capture().take();
    result.stdout_truncated = wasi.stdout_capture().truncated();
    result.stderr_truncated = wasi.stderr_capture().truncated();
    result.stats.peak_memory_bytes = instance.memory_size();
    result.stats.duration = Clock::now() - start;

    if (status == engine::ExecStatus::kException) {
      auto& exception = instance.state().exception;
      if (!exception) throw Error("eryx: the guest reported a failure without an exception");
      if (exception->type_name == "MemoryError" && options.limits.max_memory_bytes) {
        throw ResourceLimitError("eryx: memory limit of " +
                                 std::to_string(*options.limits.max_memory_bytes) +
                                 " bytes exceeded (MemoryError in the guest)\n" +
                                 exception->traceback);
      }
      throw ExecutionError(exception->type_name, exception->message, exception->traceback);
    }
    if (status == engine::ExecStatus::kInternalError) {
      throw Error("eryx: internal error in the guest runtime: " + result.stderr_text);
    }
  });
  return result;
}

}  // namespace eryx::detail
