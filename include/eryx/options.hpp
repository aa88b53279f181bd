// Options for creating sandboxes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eryx/callback_registry.hpp"
#include "eryx/net.hpp"
#include "eryx/secrets.hpp"
#include "eryx/volume.hpp"

namespace eryx {

class VfsStorage;  // eryx/vfs_storage.hpp

// Limits applied to each execution. std::nullopt disables a limit.
struct ResourceLimits {
  std::optional<uint64_t> execution_timeout_ms = 30'000;
  // Linear-memory size the guest may grow to; the guest sees MemoryError past it.
  std::optional<uint64_t> max_memory_bytes = 128ull * 1024 * 1024;
  // Deterministic instruction budget (Wasmtime fuel). Setting it runs the execution on the
  // fuel-metering engine, which is somewhat slower.
  std::optional<uint64_t> max_fuel;
  // Bytes of file data the guest may store in its private virtual filesystem (/tmp); ENOSPC past
  // it. Unset means the VFS default of 64 MiB. (Shared VfsStorage has its own max_bytes.)
  std::optional<uint64_t> max_vfs_bytes;
  // Bytes of stdout and of stderr kept per execution; output past the cap is dropped and the result
  // is flagged as truncated. The host's memory never grows with guest output beyond this.
  uint64_t max_output_bytes = 1024 * 1024;
  // Time one callback call may take; past it the guest's await raises (the handler's late result
  // is dropped).
  std::optional<uint64_t> callback_timeout_ms = 10'000;
  // Callback calls per execution; further calls raise in the guest.
  std::optional<uint64_t> max_callback_invocations = 1000;
  // Bytes of JSON in one callback's arguments and in one result.
  uint64_t max_callback_payload_bytes = 4 * 1024 * 1024;

  // The largest values accepted; past them InvalidArgumentError names the field (nullopt is how to
  // say "no limit"). A timeout of a year, the guest's whole 32-bit address space, and host buffers
  // of 4 GiB are already beyond any real use: a larger number is a mistake (a unit mix-up, a
  // sentinel), not a wish.
  static constexpr uint64_t kMaxTimeoutMs = 365ull * 24 * 60 * 60 * 1000;
  static constexpr uint64_t kMaxMemoryBytes = 4ull << 30;
  static constexpr uint64_t kMaxVfsBytes = 1ull << 40;
  static constexpr uint64_t kMaxBufferBytes = 4ull << 30;  // max_output_bytes, payload bytes

  static ResourceLimits unlimited() {
    ResourceLimits limits;
    limits.execution_timeout_ms.reset();
    limits.max_memory_bytes.reset();
    limits.callback_timeout_ms.reset();
    limits.max_callback_invocations.reset();
    return limits;
  }
};

// Receives guest output as it is written (per write call).
using OutputHandler = std::function<void(std::string_view)>;

struct SandboxOptions {
  ResourceLimits limits;
  // After a successful execution, this __main__ variable is captured as JSON
  // (ExecuteResult::result_json). Empty: no capture.
  std::string result_variable = "result";
  OutputHandler on_stdout;
  OutputHandler on_stderr;
  // Host functions the code can await (defined with eryx/callbacks.hpp). Empty: none, and no
  // callback names are added to the guest's globals.
  CallbackRegistry callbacks;
  // What the code may reach over the network (eryx/net.hpp). nullopt: nothing; every socket
  // operation raises OSError in the guest saying that networking is disabled.
  std::optional<NetConfig> network;
  // Values the code may send in HTTP request headers without seeing them (eryx/secrets.hpp).
  SecretMap secrets;
  // Where secret values and placeholders are redacted (defaults: see ScrubOptions).
  ScrubOptions scrub;
  // Shared in-memory storage (eryx/vfs_storage.hpp) the code sees at vfs_mount_path; its files
  // outlive the sandbox. Null: none. The path is absolute, canonical, not "/", and not below
  // /tmp (InvalidArgumentError otherwise).
  std::shared_ptr<VfsStorage> vfs;
  std::string vfs_mount_path = "/data";
  // Python packages the code can import: pure-Python wheels (.whl), .tar.gz/.tgz archives (a
  // site-packages tree inside, as wasi-wheels makes them) and directories. They are read and
  // checked when the Sandbox or Session is created (a bad one raises InvalidArgumentError), then
  // served read-only from memory, shared by every sandbox using the same files
  // (docs/guide/packages.md). Compiled extension modules (*.so) cannot be loaded this way
  // (InvalidArgumentError naming the file): they come with a guest flavour (`guest`).
  std::vector<std::filesystem::path> packages = {};
  // A host directory of pure-Python packages (e.g. a virtualenv's site-packages), read the same
  // way.
  std::optional<std::filesystem::path> site_packages = {};
  // Host directories and files the guest sees (eryx/volume.hpp). Checked when the sandbox is made:
  // a missing host path or a bad guest path throws InvalidArgumentError.
  std::vector<Volume> volumes;
  // The guest flavour to run (RuntimeOptions::flavour), e.g. "numpy": a guest with compiled
  // packages built in (docs/guide/packages.md). Without a runtime argument the Sandbox or Session
  // uses Runtime::shared(guest); with one, a different flavour throws InvalidArgumentError.
  // Empty: the runtime's (the plain guest for the shared runtime).
  std::string guest = {};
};

// Options of one execution (the execute overloads of Sandbox and Session).
struct ExecuteOptions {
  // The name the code is compiled under: tracebacks (and linecache) show it in place of "<exec>",
  // as a script runner shows the script's path. UTF-8 without NUL bytes (InvalidArgumentError
  // otherwise); empty: "<exec>".
  std::string filename;
};

// Where the runtime finds the guest artefacts (docs/guide/installing.md).
struct RuntimeOptions {
  // Directory holding eryx-guest.wasm, the pre-compiled eryx-guest.cwasm /
  // eryx-guest-metered.cwasm (compiled on load when absent or stale), the pre-initialised
  // eryx-snapshot.cwasm / eryx-snapshot-metered.cwasm / eryx-snapshot.id and the stdlib zip.
  // Empty: the ERYX_GUEST_DIR environment variable, else share/eryx/guest of the installation
  // liberyx.so belongs to, else (programs of the build tree) the build tree's guest.
  std::filesystem::path guest_dir;
  // The snapshot files are required: a guest directory without them, with only some of them, or
  // with a snapshot this Wasmtime cannot load, throws InitializationError naming the file, instead
  // of quietly using the ~17x slower start of every execution from a copied interpreter state.
  // false accepts a directory without snapshot files (e.g. assembled by hand from
  // eryx-guest.wasm and the stdlib zip) and takes that slower path.
  bool require_snapshot = true;
  // A guest flavour: the guest built with compiled Python packages (e.g. "numpy"), in the
  // subdirectory of that name of the guest directory (docs/guide/packages.md). Letters, digits
  // and '_' (InvalidArgumentError otherwise); a flavour that was not built throws
  // InitializationError. Empty: the plain guest.
  std::string flavour = {};
};

}  // namespace eryx
