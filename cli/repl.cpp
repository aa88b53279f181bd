#include "repl.h"

#include <signal.h>

#include <atomic>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "line_editor.h"
#include "repl_guest.h"

#ifndef ERYX_VERSION_STRING
#define ERYX_VERSION_STRING "(unknown version)"
#endif

namespace eryx::cli {
namespace {

// What the SIGINT handler acts on: the running execution's token, or (when none runs) a flag
// for the prompt. Lock-free atomics only, so the handler is async-signal-safe.
std::atomic<const CancellationToken*> g_running{nullptr};
volatile std::sig_atomic_t g_interrupted_at_prompt = 0;
static_assert(std::atomic<const CancellationToken*>::is_always_lock_free);

void on_sigint(int) {
  if (const CancellationToken* token = g_running.load()) {
    token->interrupt();
  } else {
    g_interrupted_at_prompt = 1;
  }
}

// Owns SIGINT for the REPL's lifetime and gives back the previous disposition (python's own
// handler, under `python -m eryx`). Not SA_RESTART: Ctrl-C must end libedit's read at the prompt.
class SigintScope {
 public:
  SigintScope() {
    struct sigaction action{};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    sigaction(SIGINT, &action, &previous_);
    sigset_t sigint;
    sigemptyset(&sigint);
    sigaddset(&sigint, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &sigint, &previous_mask_);
  }
  ~SigintScope() {
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    sigaction(SIGINT, &previous_, nullptr);
  }
  SigintScope(const SigintScope&) = delete;
  SigintScope& operator=(const SigintScope&) = delete;

 private:
  struct sigaction previous_{};
  sigset_t previous_mask_{};
};

// The character type of the user's locale, so libedit reads and shows UTF-8 text; the C locale
// becomes C.UTF-8 as python does it (PEP 538). Restored afterwards: the caller may be python.
class LocaleScope {
 public:
  LocaleScope() {
    if (const char* current = std::setlocale(LC_CTYPE, nullptr)) saved_ = current;
    const char* chosen = std::setlocale(LC_CTYPE, "");
    if (chosen == nullptr || std::string_view(chosen) == "C" || std::string_view(chosen) == "POSIX")
      std::setlocale(LC_CTYPE, "C.UTF-8");
  }
  ~LocaleScope() {
    if (!saved_.empty()) std::setlocale(LC_CTYPE, saved_.c_str());
  }
  LocaleScope(const LocaleScope&) = delete;
  LocaleScope& operator=(const LocaleScope&) = delete;

 private:
  std::string saved_;
};

// The terminal as the guest's output and the REPL's messages share it.
class Terminal {
 public:
  void write(std::FILE* stream, std::string_view text) {
    if (text.empty() || quiet_) return;
    std::fwrite(text.data(), 1, text.size(), stream);
    std::fflush(stream);
    at_line_start_ = text.back() == '\n';
  }
  // The REPL's own message, on a line of its own after whatever the guest wrote.
  void message(std::string_view text) {
    if (!at_line_start_) write(stdout, "\n");
    write(stderr, text);
  }
  // The user ended a line: the cursor is at the start of the next one.
  void line_entered() { at_line_start_ = true; }
  // While quiet, the guest's output is not shown (the REPL reads it from the result instead).
  void set_quiet(bool quiet) { quiet_ = quiet; }

 private:
  std::atomic<bool> at_line_start_{true};
  std::atomic<bool> quiet_{false};
};

// An eryx error's text for a message of the REPL's own, which says "eryx: " once.
std::string describe(const std::exception& e) {
  std::string_view text = e.what();
  if (text.starts_with("eryx: ")) text.remove_prefix(6);
  return std::string(text);
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\f\r") == std::string_view::npos;
}

class Repl {
 public:
  explicit Repl(const SandboxSetup& setup) : setup_(setup) {}
  int run();

 private:
  enum class Step { kDone, kMore, kExit, kBroken };
  struct Outcome {
    Step step = Step::kDone;
    int status = 0;
  };

  Outcome push(const std::string& source, bool retry_install = true);
  std::vector<std::string> complete(const std::string& word);
  ExecuteResult execute(const std::string& code);
  bool install_helper();
  bool recover();

  const SandboxSetup& setup_;
  Terminal terminal_;
  std::optional<Session> session_;
  // The token of the current execution. Replaced only when the next one starts, so a SIGINT
  // handler still busy with it never sees it destroyed.
  std::optional<CancellationToken> token_;
};

int Repl::run() {
  OutputSinks sinks;
  sinks.on_stdout = [this](std::string_view text) { terminal_.write(stdout, text); };
  sinks.on_stderr = [this](std::string_view text) { terminal_.write(stderr, text); };
  try {
    session_.emplace(setup_.make_session(sinks, /*result_variable=*/""));
  } catch (const std::exception& e) {
    terminal_.message("eryx: cannot start the sandbox: " + describe(e) + "\n");
    return 1;
  }
  if (!install_helper()) return 1;
  try {
    execute(repl_guest::banner_code(ERYX_VERSION_STRING));
  } catch (const std::exception& e) {
    terminal_.message("eryx: " + describe(e) + "\n");
  }

  std::optional<LineEditor> editor_storage;
  try {
    editor_storage.emplace(default_history_path());
  } catch (const std::exception& e) {
    terminal_.message("eryx: " + describe(e) + "\n");
    return 1;
  }
  LineEditor& editor = *editor_storage;
  editor.set_completer([this](const std::string& word) { return complete(word); });
  std::string block;  // the lines of an incomplete block so far
  for (;;) {
    g_interrupted_at_prompt = 0;
    LineEditor::Input input = editor.read_line(block.empty() ? ">>> " : "... ");
    terminal_.line_entered();
    if (input.status == LineEditor::Status::kEndOfInput) {
      editor.end_line();
      return 0;
    }
    if (input.status == LineEditor::Status::kInterrupted) {
      if (g_interrupted_at_prompt) {
        terminal_.write(stderr, "\nKeyboardInterrupt\n");
        block.clear();
      }
      continue;
    }
    if (!is_blank(input.line)) editor.remember(input.line);
    if (block.empty() && is_blank(input.line)) continue;
    block = block.empty() ? input.line : block + "\n" + input.line;
    const Outcome outcome = push(block);
    if (outcome.step == Step::kMore) continue;
    block.clear();
    if (outcome.step == Step::kExit) return outcome.status;
    if (outcome.step == Step::kBroken) return 1;
  }
}

ExecuteResult Repl::execute(const std::string& code) {
  token_.emplace();
  g_running.store(&*token_);
  // Ctrl-C between Enter and here interrupts the code about to run, as in python.
  if (g_interrupted_at_prompt) {
    g_interrupted_at_prompt = 0;
    token_->interrupt();
  }
  struct Idle {
    ~Idle() { g_running.store(nullptr); }
  } idle;
  return session_->execute(code, *token_);
}

Repl::Outcome Repl::push(const std::string& source, bool retry_install) {
  try {
    execute(repl_guest::push_code(source));
    return {};
  } catch (const ExecutionError& e) {
    // The helper answers through these two exceptions; anything else escaped it.
    if (e.type_name() == repl_guest::kMoreType) return {Step::kMore};
    if (e.type_name() == repl_guest::kExitType) {
      return {Step::kExit, static_cast<int>(std::strtol(e.message().c_str(), nullptr, 10))};
    }
    if (e.type_name() == "KeyError" && e.message() == "'_eryx_repl'" && retry_install) {
      // The user's code removed the helper: put it back and run the block again.
      if (!install_helper()) return {Step::kBroken};
      return push(source, false);
    }
    if (e.type_name() == "KeyboardInterrupt") {
      terminal_.message("KeyboardInterrupt\n");  // delivered outside the user's code
    } else {
      terminal_.message(e.traceback().empty() ? e.type_name() + ": " + e.message() + "\n"
                                              : e.traceback());
    }
    return {};
  } catch (const CancelledError&) {
    terminal_.message("eryx: the code did not stop at Ctrl-C (KeyboardInterrupt) within " +
                      std::to_string(CancellationToken::kDefaultInterruptGrace.count()) +
                      " ms, so it was stopped\n");
  } catch (const TimeoutError&) {
    const auto limit = session_->execution_timeout_ms();
    terminal_.message("eryx: the code ran longer than --timeout-ms (" +
                      (limit ? std::to_string(*limit) : std::string("?")) +
                      " ms) and was stopped\n");
  } catch (const std::exception& e) {
    terminal_.message("eryx: " + describe(e) + "\n");
  }
  return {recover() ? Step::kDone : Step::kBroken};
}

std::vector<std::string> Repl::complete(const std::string& word) {
  std::string listed;
  bool stopped = false;
  terminal_.set_quiet(true);
  try {
    listed = execute(repl_guest::complete_code(word)).stdout_text;
  } catch (const ExecutionError&) {
    // no candidates (the helper is missing, or Ctrl-C)
  } catch (const std::exception& e) {
    stopped = true;  // e.g. a module's __getattr__ ran past --timeout-ms
    terminal_.set_quiet(false);
    terminal_.message("\neryx: completing '" + word + "': " + describe(e) + "\n");
  }
  terminal_.set_quiet(false);
  if (stopped) recover();
  std::vector<std::string> candidates;
  for (size_t start = 0; start < listed.size();) {
    size_t end = listed.find('\n', start);
    if (end == std::string::npos) end = listed.size();
    if (end > start) candidates.push_back(listed.substr(start, end - start));
    start = end + 1;
  }
  return candidates;
}

bool Repl::install_helper() {
  try {
    execute(repl_guest::install_code());
    return true;
  } catch (const std::exception& e) {
    terminal_.message("eryx: cannot set up the REPL in the sandbox: " + describe(e) + "\n");
    return false;
  }
}

// After the host stopped an execution the interpreter may have been replaced by a fresh one:
// find out, tell the user, and put the helper back.
bool Repl::recover() {
  try {
    execute(repl_guest::probe_code());
    return true;
  } catch (const ExecutionError& e) {
    if (e.type_name() != "KeyError") return true;
    terminal_.message(
        "eryx: the session's state was lost (variables, imports); continuing with a fresh "
        "interpreter\n");
    return install_helper();
  } catch (const std::exception& e) {
    terminal_.message("eryx: cannot start a fresh interpreter: " + describe(e) + "\n");
    return false;
  }
}

}  // namespace

int run_repl(const SandboxSetup& setup) {
  LocaleScope locale;
  SigintScope sigint;
  Repl repl(setup);
  return repl.run();
}

}  // namespace eryx::cli
