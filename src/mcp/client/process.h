// A child process with its standard streams on pipes: how an MCP client runs a stdio server.
//
// Guarantees: the parent's ends of the pipes are close-on-exec (another child started at the same
// time does not inherit them, which would keep a server's stdin open after we close it); the child
// starts in its own process group with default signal dispositions and an empty signal mask (a
// terminal's Ctrl-C reaches the host, not the servers; a host that ignores SIGPIPE does not pass
// that on); terminate() ends the whole group (launchers such as npx or uvx start the real server
// as their child) and reaps the child, so no zombie is left. Thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace eryx::mcp {

// How a child ended, as waitpid() reported it.
struct ExitStatus {
  bool signaled = false;
  int code = 0;                  // exit status, or the signal number when signaled
  std::string describe() const;  // "exited with status 3", "was killed by signal 9 (Killed)"
};

class ChildProcess {
 public:
  // Starts `command` (searched in the host's PATH when it has no '/') with `args` and exactly
  // `environment` ("NAME=VALUE" entries). Throws std::system_error when it cannot be started
  // (no such command, not executable, out of processes).
  ChildProcess(const std::string& command, const std::vector<std::string>& args,
               const std::vector<std::string>& environment);
  ~ChildProcess();  // terminate() with a short grace period
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The parent's ends, all non-blocking. -1 once closed.
  int stdin_fd() const { return stdin_fd_; }
  int stdout_fd() const { return stdout_fd_; }
  int stderr_fd() const { return stderr_fd_; }

  // How the child ended, if it has (reaps it); nullopt while it runs.
  std::optional<ExitStatus> poll_exit();
  // Waits up to `timeout` for the child to end by itself.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);

  // Ends the child as the MCP specification's stdio shutdown says: close its input, wait up to
  // `grace` for it to exit, SIGTERM (its process group), wait up to `grace` again, SIGKILL; then
  // reaps it. Idempotent. The output pipes stay open for the caller to drain and close.
  // Not while another thread writes to stdin_fd().
  ExitStatus terminate(std::chrono::milliseconds grace);

  // SIGTERM to the child's group, up to `grace` to exit, SIGKILL; then reaps it. Leaves its
  // stdin open (another thread may be writing to it). Idempotent.
  ExitStatus end(std::chrono::milliseconds grace);

  // Gives the child up without signalling or reaping it (in a fork of the process that started
  // it, whose child it is not); closes our pipe ends.
  void forget();

  // Closes the parent's end of the child's stdin (the child sees end of input). Idempotent.
  void close_stdin();

 private:
  std::optional<ExitStatus> reap_locked(bool block);
  void signal_group(int signal);

  std::mutex mutex_;  // guards reaping, so two threads never waitpid() the same child
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::optional<ExitStatus> status_;
};

}  // namespace eryx::mcp
