// A Session keeps one live interpreter between executions: variables, functions, classes and
// imports persist. Executions on one Session run one at a time (concurrent calls wait their turn).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "eryx/cancellation.hpp"
#include "eryx/options.hpp"
#include "eryx/result.hpp"
#include "eryx/runtime.hpp"

namespace eryx {

namespace detail {
class SessionCore;
}

class Session {
 public:
  // Uses Runtime::shared() when runtime is null. Throws InitializationError, InvalidArgumentError
  // (a bad package in options.packages / site_packages), or ResourceLimitError when the interpreter
  // does not fit options.limits.max_memory_bytes.
  explicit Session(SandboxOptions options = {}, std::shared_ptr<Runtime> runtime = nullptr);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  // Runs `code` in the session's interpreter. Errors as Sandbox::execute. A Python exception leaves
  // the state intact. When the host stops an execution (timeout, cancellation, fuel, a trap) the
  // interpreter is torn mid-way: the next execute starts over from a fresh interpreter.
  ExecuteResult execute(std::string_view code, const CancellationToken& cancel = {});
  // The same with per-execution options (e.g. the filename tracebacks show).
  ExecuteResult execute(std::string_view code, const ExecuteOptions& execute_options,
                        const CancellationToken& cancel = {});

  // Replaces the interpreter with a fresh one. Shared storage (options.vfs) is not the
  // interpreter's: it stays mounted, files and all.
  void reset();

  // A new, independent Session with this one's live state: variables, imported modules,
  // generators and iterators mid-way, files in /tmp and open file handles. Possible because between
  // executions the Wasm stack is empty, so memory plus host-side state is the whole interpreter.
  Session fork();

  // The live state fork() copies, as bytes that from_snapshot() turns back into a Session, in this
  // process or another one using the same eryx build and guest: variables, imported modules,
  // generators mid-way, the files under /tmp and open file handles, and execution_count(). The
  // read-only stdlib is not in it, nor shared storage (options.vfs: pass it again to
  // from_snapshot). Waits for a running execution (it takes the session's lock).
  // Throws Error when the filesystem holds something that cannot be serialised, or a file is open
  // on shared storage.
  std::string snapshot() const;

  // A new Session from snapshot() bytes, with `options` (limits, handlers, callbacks, packages:
  // none of them is part of the bytes; pass the packages the snapshotted session had). Like a
  // fork, its `random` module is reseeded before its first execution, so two sessions from one
  // snapshot do not repeat each other's random numbers.
  // Throws Error for bytes that are corrupt, truncated, of another format version or from another
  // runtime or guest, and ResourceLimitError when the interpreter's memory exceeds
  // options.limits.max_memory_bytes or its files options.limits.max_vfs_bytes.
  static Session from_snapshot(std::string_view bytes, SandboxOptions options = {},
                               std::shared_ptr<Runtime> runtime = nullptr);

  // The three state operations below run guest code (__del__, __reduce__, unpickling), so they
  // have the session's execution timeout and take a token like execute(); a timeout or a hard stop
  // costs the interpreter, as for execute().
  // Drops the user's globals but keeps the interpreter (imported modules stay warm).
  void clear_state(const CancellationToken& cancel = {});

  // Serialises the user's globals (pickle; imported modules by name). Throws Error naming the
  // values that cannot be serialised.
  std::string snapshot_state(const CancellationToken& cancel = {});
  // Loads globals from a snapshot_state() blob into the interpreter. A corrupt or foreign blob
  // throws Error and leaves the session's state as it was.
  void restore_state(std::string_view blob, const CancellationToken& cancel = {});

  // Executions run since creation or the last reset().
  uint64_t execution_count() const;

  std::optional<uint64_t> execution_timeout_ms() const;
  void set_execution_timeout_ms(std::optional<uint64_t> timeout_ms);

 private:
  friend class SandboxFactory;  // create_session
  explicit Session(std::unique_ptr<detail::SessionCore> core);
  std::unique_ptr<detail::SessionCore> core_;
};

}  // namespace eryx
