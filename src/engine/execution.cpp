#include "engine/execution.h"

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "callbacks/broker.h"
#include "callbacks/registry_data.h"
#include "engine/guest_call.h"
#include "engine/guest_packages.h"
#include "eryx/errors.hpp"
#include "secrets/file_scrubber.h"
#include "secrets/stream_scrubber.h"
#include "vfs/tree_mount.h"
#include "util/json_check.h"

namespace eryx::engine {
namespace {

using Clock = std::chrono::steady_clock;

// Redacts secrets in stdout or stderr as they are written, across write boundaries.
class ScrubbingFilter final : public wasi::OutputFilter {
 public:
  explicit ScrubbingFilter(std::shared_ptr<const secrets::Scrubber> scrubber)
      : stream_(std::move(scrubber)) {}
  std::string write(std::string_view chunk) override { return stream_.write(chunk); }
  std::string flush() override { return stream_.flush(); }

 private:
  secrets::StreamScrubber stream_;
};

std::unique_ptr<wasi::OutputFilter> scrubbing_filter(const secrets::SandboxSecrets* secrets,
                                                     bool wanted) {
  if (secrets == nullptr || !wanted) return nullptr;
  return std::make_unique<ScrubbingFilter>(secrets->shared_scrubber());
}

// `memory_limited`: the memory limit refused the guest more memory during this execution. Only
// then is a MemoryError the limit's doing; `raise MemoryError` or an impossible size is the code's.
[[noreturn]] void throw_guest_exception(const GuestException& exception,
                                        const SandboxOptions& options, bool memory_limited) {
  // CPython 3.13 reports a frame it could not allocate as "SystemError: error return without
  // exception set" (deep recursion with the memory exhausted): that is the limit's doing too.
  bool out_of_memory = exception.type_name == "MemoryError" ||
                       (exception.type_name == "SystemError" &&
                        exception.message.find("without exception set") != std::string::npos);
  if (out_of_memory && options.limits.max_memory_bytes && memory_limited) {
    throw ResourceLimitError("eryx: memory limit of " +
                             std::to_string(*options.limits.max_memory_bytes) +
                             " bytes exceeded (MemoryError in the guest)\n" + exception.traceback);
  }
  throw ExecutionError(exception.type_name, exception.message, exception.traceback);
}

}  // namespace

void add_mounts(GuestInstance& instance, const std::vector<wasi::MountPoint>& mounts) {
  for (const auto& point : mounts) {
    try {
      instance.state().wasi->add_mount(point.guest_path, point.mount);
    } catch (const std::invalid_argument& e) {
      throw InvalidArgumentError(e.what());
    }
  }
}

ExecuteResult run_execution(GuestInstance& instance, std::string_view code,
                            const SandboxOptions& options, const ExecutionContext& context) {
  ExecuteResult result;
  auto start = Clock::now();
  run_guest_call(
      instance, context.ticker,
      {.deadline = deadline_after(options.limits.execution_timeout_ms), .stop = context.stop}, [&] {
        auto& wasi = *instance.state().wasi;
        wasi.stdout_capture().reset();
        wasi.stderr_capture().reset();
        wasi.stdout_capture().configure(options.limits.max_output_bytes, options.on_stdout);
        wasi.stderr_capture().configure(options.limits.max_output_bytes, options.on_stderr);
        const secrets::SandboxSecrets* secrets = context.secrets.get();
        wasi.stdout_capture().set_filter(
            scrubbing_filter(secrets, secrets && secrets->scrub_stdout));
        wasi.stderr_capture().set_filter(
            scrubbing_filter(secrets, secrets && secrets->scrub_stderr));
        if (options.limits.max_vfs_bytes) wasi.vfs().set_quota_bytes(*options.limits.max_vfs_bytes);
        uint64_t fuel_budget = options.limits.max_fuel.value_or(UINT64_MAX);
        if (context.metered) instance.set_fuel(fuel_budget);
        uint32_t denials_before = instance.memory_denials();

        // The broker outlives the guest call; handlers still running afterwards complete into it
        // after it closed (their results are dropped).
        const auto& registry = options.callbacks.shared_data();
        callbacks::Broker broker(registry,
                                 {.timeout_ms = options.limits.callback_timeout_ms,
                                  .max_invocations = options.limits.max_callback_invocations,
                                  .max_payload_bytes = options.limits.max_callback_payload_bytes});
        struct Attach {
          StoreState& state;
          ~Attach() {
            // Output held back by a scrubber reaches the handler however the execution ends.
            state.wasi->stdout_capture().finish();
            state.wasi->stderr_capture().finish();
            state.callback_scrubber = nullptr;
            state.callbacks = nullptr;
            if (state.callbacks_running) state.callbacks_running->store(false);
            state.callbacks_running = nullptr;
          }
        } attach{instance.state()};
        instance.state().callbacks = &broker;
        instance.state().callbacks_running = context.callbacks_running;
        instance.state().callback_scrubber =
            secrets && secrets->scrub_callback_args ? &secrets->scrubber() : nullptr;

        if (context.network && !instance.state().net) {
          instance.state().net = net::open_network(context.network);
        }
        if (context.reseed) instance.reseed();
        if (wasi.take_preopens_changed()) instance.reset_preopens();
        if (context.activate_packages) activate_packages(instance);
        if (secrets) instance.install_environment(secrets, secrets->environment_code());
        if (!registry->entries.empty())
          instance.install_callbacks(registry.get(), registry->catalog_json);
        auto status = instance.execute(code, context.filename);
        result.stats.callback_invocations = broker.invocations();
        // Files leave the sandbox only between executions (the host reads them, or a snapshot
        // carries them), so they are scrubbed once the code is done with them.
        if (secrets && secrets->scrub_files) {
          (void)secrets::scrub_tree(secrets->scrubber(), wasi.vfs().root());
          // Shared storage too (under its lock); host volumes are the host's own files.
          for (const auto& point : wasi.mounts()) {
            if (auto* tree = dynamic_cast<vfs::TreeMount*>(point.mount.get())) {
              auto lock = tree->lock();
              (void)secrets::scrub_tree(secrets->scrubber(), tree->vfs()->root());
            }
          }
        }
        if (status == ExecStatus::kOk && !options.result_variable.empty()) {
          instance.capture_result(options.result_variable);
          const auto& captured = *instance.state().result;
          if (captured.kind == GuestResult::Kind::kJson) {
            // The guest produced this text with a json module it may have replaced.
            std::string text =
                secrets && secrets->scrub_result ? secrets->scrub(captured.text) : captured.text;
            if (auto invalid = util::check_json(text)) {
              result.result_error = "the result is not usable JSON: " + *invalid;
            } else {
              result.result_json = std::move(text);
            }
          } else if (captured.kind != GuestResult::Kind::kAbsent) {
            result.result_error = secrets && (secrets->scrub_result || secrets->scrub_stderr)
                                      ? secrets->scrub(captured.text)
                                      : captured.text;
          }
        }

        wasi.stdout_capture().finish();
        wasi.stderr_capture().finish();
        result.stdout_text = wasi.stdout_capture().take();
        result.stderr_text = wasi.stderr_capture().take();
        result.stdout_truncated = wasi.stdout_capture().truncated();
        result.stderr_truncated = wasi.stderr_capture().truncated();
        result.stats.peak_memory_bytes = instance.memory_size();
        if (context.metered) result.stats.fuel_consumed = fuel_budget - instance.fuel_remaining();
        result.stats.duration = Clock::now() - start;

        if (status == ExecStatus::kException) {
          auto& exception = instance.state().exception;
          if (!exception) throw Error("eryx: the guest reported a failure without an exception");
          if (secrets && secrets->scrub_stderr) {
            exception->type_name = secrets->scrub(exception->type_name);
            exception->message = secrets->scrub(exception->message);
            exception->traceback = secrets->scrub(exception->traceback);
          }
          if (broker.limit_exceeded()) {
            throw ResourceLimitError("eryx: callback limit of " +
                                     std::to_string(*options.limits.max_callback_invocations) +
                                     " invocations exceeded\n" + exception->traceback);
          }
          throw_guest_exception(*exception, options, instance.memory_denials() != denials_before);
        }
        if (status == ExecStatus::kInternalError) {
          throw Error("eryx: internal error in the guest runtime: " + result.stderr_text);
        }
      });
  return result;
}

}  // namespace eryx::engine
