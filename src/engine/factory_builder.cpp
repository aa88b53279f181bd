#include "engine/factory_builder.h"

#include <algorithm>
#include <chrono>
#include <string_view>

#include "engine/execution.h"
#include "engine/guest_call.h"
#include "engine/guest_module.h"
#include "eryx/errors.hpp"
#include "vfs/node.h"
#include "vfs/vfs.h"

namespace eryx::engine {
namespace {

// A Python string literal for a guest path or module name (both validated to hold no quote or
// backslash by the caller, but escape anyway).
std::string python_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// Runs in a function so the factory leaves no names in __main__: only sys.modules and sys.path
// change.
std::string setup_code(const FactorySpec& spec) {
  std::string code = "def _eryx_factory_setup():\n    import sys, importlib\n    sys.path[:0] = [";
  for (const auto& path : spec.sys_path) code += python_literal(path) + ", ";
  code += "]\n    for name in [";
  for (const auto& name : spec.imports) code += python_literal(name) + ", ";
  code +=
      "]:\n        importlib.import_module(name)\n_eryx_factory_setup()\ndel _eryx_factory_setup\n";
  return code;
}

// The regular files under `dir` (recursively) that guest code wrote, as (path, bytes).
void collect_written_files(const vfs::Directory& dir, const std::string& path,
                           snapshot::FactoryImage::Files& out) {
  dir.visit_from(0, [&](uint64_t, const vfs::Directory::Entry& entry) {
    std::string child = path + "/" + entry.name;
    if (auto* sub = dynamic_cast<const vfs::Directory*>(entry.node.get())) {
      collect_written_files(*sub, child, out);
    } else if (auto* file = dynamic_cast<const vfs::File*>(entry.node.get());
               file != nullptr && !file->is_image()) {
      out.emplace_back(child, std::make_shared<const std::string>(file->contents()));
    }
    return true;
  });
}

}  // namespace

snapshot::FactoryImage build_factory_image(const EngineVariant& variant, FactorySpec spec) {
  snapshot::FactoryImage seed;
  seed.files = std::move(spec.files);
  auto instance = variant.fresh_instance({}, &seed);
  auto baseline = instance->memory_copy();

  // One deadline for all the guest code of the build: the imports and the heap freeze.
  auto deadline = deadline_after(spec.build_timeout_ms);
  SandboxOptions options;
  options.limits = ResourceLimits::unlimited();
  options.result_variable.clear();
  try {
    // The imports run as an execution (its own guest call), so a failing one reports the guest's
    // traceback. It starts at once, so its timeout ends within microseconds of `deadline`.
    options.limits.execution_timeout_ms = spec.build_timeout_ms;
    run_execution(
        *instance, setup_code(spec), options,
        {.ticker = variant.ticker(), .metered = variant.metered(), .stop = spec.cancel.state()});
  } catch (const ExecutionError& e) {
    throw InitializationError("eryx: SandboxFactory imports failed:\n" + std::string(e.what()));
  } catch (const TimeoutError&) {
    throw TimeoutError("eryx: building the SandboxFactory took longer than build_timeout_ms (" +
                       std::to_string(spec.build_timeout_ms.value_or(0)) + " ms)");
  }
  try {
    // The setup code runs as an execution of its own, so its traceback has its own line numbers,
    // and its globals stay in __main__ for every sandbox. It has what is left of the build's time.
    if (!spec.setup_code.empty()) {
      if (deadline) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline -
                                                                 std::chrono::steady_clock::now());
        options.limits.execution_timeout_ms =
            static_cast<uint64_t>(std::max<int64_t>(1, left.count()));
      }
      run_execution(
          *instance, spec.setup_code, options,
          {.ticker = variant.ticker(), .metered = variant.metered(), .stop = spec.cancel.state()});
    }
  } catch (const ExecutionError& e) {
    throw InitializationError("eryx: SandboxFactory setup_code failed:\n" + std::string(e.what()));
  } catch (const TimeoutError&) {
    throw TimeoutError("eryx: building the SandboxFactory took longer than build_timeout_ms (" +
                       std::to_string(spec.build_timeout_ms.value_or(0)) + " ms)");
  }
  if (!instance->state().wasi->only_initial_fds_open()) {
    throw InitializationError(
        "eryx: SandboxFactory imports or setup_code left files open; cannot capture them");
  }
  // The imported modules become part of the image: freeze them like the built-in snapshot's.
  run_guest_call(*instance, variant.ticker(), {.deadline = deadline, .stop = spec.cancel.state()},
                 [&] { instance->freeze_heap(); });

  auto image = instance->capture(baseline);
  snapshot::FactoryImage out;
  out.memory_size = image.memory.size();
  out.globals = image.globals;
  const auto* base = reinterpret_cast<const char*>(image.memory.data());
  for (const auto& [offset, length] : image.dirty_ranges) {
    out.pages.emplace_back(offset, std::string(base + offset, length));
  }
  out.files = std::move(seed.files);
  // What the imports wrote to /tmp goes with the image: module state may name it (certifi, which
  // requests imports, extracts its CA bundle there and caches the path). Sandboxes see it
  // read-only, shared like the package files.
  auto& vfs = instance->state().wasi->vfs();
  if (auto tmp = vfs.lookup(vfs.root(), "/tmp", true); tmp.ok()) {
    if (auto* dir = dynamic_cast<const vfs::Directory*>(tmp->get())) {
      collect_written_files(*dir, "/tmp", out.files);
    }
  }
  return out;
}

}  // namespace eryx::engine
