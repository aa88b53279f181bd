#include "mcp/client/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>

namespace eryx::mcp {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  int read = -1;
  int write = -1;
};

Pipe make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  return {fds[0], fds[1]};
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// posix_spawn's attributes and file actions, released on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

}  // namespace

std::string ExitStatus::describe() const {
  if (!signaled && code < 0) return "exited";
  if (!signaled) return "exited with status " + std::to_string(code);
  const char* name = sigdescr_np(code);  // thread-safe, unlike strsignal()
  return "was killed by signal " + std::to_string(code) +
         (name ? std::string(" (") + name + ")" : "");
}

ChildProcess::ChildProcess(const std::string& command, const std::vector<std::string>& args,
                           const std::vector<std::string>& environment) {
  Pipe in, out, err;
  try {
    in = make_pipe();
    out = make_pipe();
    err = make_pipe();
  } catch (...) {
    for (int* fd : {&in.read, &in.write, &out.read, &out.write, &err.read, &err.write}) {
      close_fd(*fd);
    }
    throw;
  }

  SpawnSetup setup;
  // dup2 clears close-on-exec on the child's 0, 1 and 2; every other pipe end is close-on-exec.
  posix_spawn_file_actions_adddup2(&setup.actions, in.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, out.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write, STDERR_FILENO);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(command.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  int error =
      posix_spawnp(&pid, command.c_str(), &setup.actions, &setup.attr, argv.data(), envp.data());
  close_fd(in.read);
  close_fd(out.write);
  close_fd(err.write);
  if (error != 0) {
    close_fd(in.write);
    close_fd(out.read);
    close_fd(err.read);
    throw std::system_error(error, std::generic_category(), "cannot start '" + command + "'");
  }
  pid_ = pid;
  stdin_fd_ = in.write;
  stdout_fd_ = out.read;
  stderr_fd_ = err.read;
  set_nonblocking(stdin_fd_);
  set_nonblocking(stdout_fd_);
  set_nonblocking(stderr_fd_);
}

ChildProcess::~ChildProcess() {
  terminate(std::chrono::milliseconds(500));
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
}

std::optional<ExitStatus> ChildProcess::reap_locked(bool block) {
  if (status_) return status_;
  int raw = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &raw, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return std::nullopt;
  if (r < 0) {
    // ECHILD: someone else reaped it (a host that sets SIGCHLD to SIG_IGN, or reaps every child).
    status_ = ExitStatus{false, -1};  // status unknown
    return status_;
  }
  status_ =
      WIFSIGNALED(raw) ? ExitStatus{true, WTERMSIG(raw)} : ExitStatus{false, WEXITSTATUS(raw)};
  return status_;
}

std::optional<ExitStatus> ChildProcess::poll_exit() {
  std::lock_guard lock(mutex_);
  return reap_locked(false);
}

std::optional<ExitStatus> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (auto status = reap_locked(false)) return status;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

void ChildProcess::signal_group(int signal) {
  // The group first (its leader is the child: setpgroup(0)); the child itself in case it moved
  // to another group.
  ::kill(-pid_, signal);
  ::kill(pid_, signal);
}

void ChildProcess::forget() {
  std::lock_guard lock(mutex_);
  if (!status_) status_ = ExitStatus{false, -1};
  close_fd(stdin_fd_);
}

void ChildProcess::close_stdin() {
  std::lock_guard lock(mutex_);
  close_fd(stdin_fd_);
}

ExitStatus ChildProcess::terminate(std::chrono::milliseconds grace) {
  close_stdin();
  if (auto status = wait_for(grace)) return *status;
  return end(grace);
}

ExitStatus ChildProcess::end(std::chrono::milliseconds grace) {
  // Signals go to the group only while the leader is unreaped: until then its pid (and so the
  // group id) cannot be given to an unrelated process.
  {
    std::lock_guard lock(mutex_);
    if (!reap_locked(false)) signal_group(SIGTERM);
  }
  if (auto status = wait_for(grace)) return *status;
  std::lock_guard lock(mutex_);
  if (!reap_locked(false)) signal_group(SIGKILL);
  return *reap_locked(true);
}

}  // namespace eryx::mcp
