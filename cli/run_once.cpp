#include "run_once.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "host_files.h"
#include "interrupts.h"
#include "json_report.h"
#include "sandbox_flags.h"

namespace eryx::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;  // 128 + SIGINT, what a shell reports for python

// The exit status python gives SystemExit(code) when str(code) is `message`: an int (modulo 256,
// as the OS truncates it; an overflow is -1), True is 1; nullopt for any other value, which
// python prints and exits 1 for. (The guest reports str(code), so sys.exit("3") counts as 3.)
std::optional<int> exit_status_of(const std::string& message) {
  if (message == "True") return 1;
  long long value = 0;
  const char* end = message.data() + message.size();
  auto [stop, error] = std::from_chars(message.data(), end, value);
  if (message.empty() || stop != end) return std::nullopt;
  if (error == std::errc::result_out_of_range) return 255;
  if (error != std::errc()) return std::nullopt;
  return static_cast<int>(static_cast<unsigned long long>(value) & 0xff);
}

void write_to(std::FILE* stream, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

// Appends to `text` up to `cap` bytes (the --json capture; the guest's output may be large).
void append_capped(std::string& text, std::string_view more, uint64_t cap) {
  if (text.size() >= cap) return;
  text.append(more.substr(0, static_cast<size_t>(cap - text.size())));
}

double milliseconds(std::chrono::nanoseconds duration) {
  return static_cast<double>(duration.count()) / 1e6;
}

// The statement that sets sys.argv. JSON's string escapes are all valid Python escapes, so the
// JSON text of the list is a Python list literal.
std::string argv_statement(const std::vector<std::string>& argv) {
  try {
    return "__import__('sys').argv = " + nlohmann::json(argv).dump();
  } catch (const nlohmann::json::exception&) {
    throw InvalidArgumentError("eryx: the script's arguments must be UTF-8");
  }
}

}  // namespace

Program program_from_command(std::string code, std::vector<std::string> args) {
  Program program{.code = std::move(code), .filename = "<string>", .argv = {"-c"}};
  for (auto& arg : args) program.argv.push_back(std::move(arg));
  return program;
}

Program program_from_script(const std::string& path, std::vector<std::string> args) {
  std::string why;
  auto source = read_host_file(path, why);
  if (!source) throw UsageError("cannot read " + path + ": " + why);
  // python accepts a UTF-8 byte order mark before the source (editors on Windows write one).
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (std::string_view(*source).starts_with(kBom)) source->erase(0, kBom.size());
  Program program{
      .code = std::move(*source), .filename = path == "-" ? "<stdin>" : path, .argv = {path}};
  for (auto& arg : args) program.argv.push_back(std::move(arg));
  return program;
}

int run_program(const SandboxSetup& setup, const Program& program, bool json) {
  RunOutcome outcome;
  CancellationToken token;
  const uint64_t cap = setup.options().limits.max_output_bytes;
  std::mutex capture_mutex;  // handlers may be called from the guest's thread and callbacks'
  OutputSinks sinks;
  if (json) {
    sinks.on_stdout = [&](std::string_view s) {
      std::lock_guard lock(capture_mutex);
      append_capped(outcome.stdout_text, s, cap);
    };
    sinks.on_stderr = [&](std::string_view s) {
      std::lock_guard lock(capture_mutex);
      append_capped(outcome.stderr_text, s, cap);
    };
  } else {
    // Streamed as the guest writes, so long-running scripts show progress. The guest buffers its
    // own sys.stdout; what reaches the host was flushed there (a full buffer, print(flush=True)),
    // so it goes on at once.
    sinks.on_stdout = [](std::string_view s) { write_to(stdout, s); };
    sinks.on_stderr = [](std::string_view s) { write_to(stderr, s); };
  }

  // Printed (streamed mode) or reported (--json) at the end.
  auto fail = [&](int exit_code, RunFailure failure, std::string printed) {
    if (failure.type.empty()) {  // a host error: its message may name an API option
      failure.message = in_flag_terms(std::move(failure.message));
      printed = failure.message;
    }
    outcome.exit_code = exit_code;
    outcome.error = std::move(failure);
    if (!json && !printed.empty()) {
      std::fflush(stdout);
      if (!printed.ends_with('\n')) printed += '\n';
      write_to(stderr, printed);
    }
  };

  const auto start = std::chrono::steady_clock::now();
  {
    SigintInterrupts interrupts(token);
    try {
      Session session = setup.make_session(sinks);
      session.execute(argv_statement(program.argv), token);
      ExecuteResult result =
          session.execute(program.code, ExecuteOptions{.filename = program.filename}, token);
      outcome.result_json = result.result_json;
      outcome.peak_memory_bytes = result.stats.peak_memory_bytes;
      outcome.duration_ms = milliseconds(result.stats.duration);
    } catch (const ExecutionError& e) {
      RunFailure failure{.kind = "exception",
                         .type = e.type_name(),
                         .message = e.message(),
                         .traceback = e.traceback()};
      if (e.type_name() == "SystemExit") {
        // As python: sys.exit(n) exits with n and prints nothing; sys.exit("why") prints why.
        failure.kind = "exit";
        auto status = exit_status_of(e.message());
        fail(status.value_or(kExitFailure), std::move(failure), status ? "" : e.message());
      } else if (e.type_name() == "KeyboardInterrupt") {
        failure.kind = "interrupted";
        fail(kExitInterrupted, std::move(failure), std::string(e.what()));
      } else {
        fail(kExitFailure, std::move(failure), std::string(e.what()));
      }
    } catch (const CancelledError& e) {
      // The code swallowed Ctrl-C and was stopped hard after the grace period.
      bool interrupted = interrupts.fired();
      fail(interrupted ? kExitInterrupted : kExitFailure,
           {.kind = interrupted ? "interrupted" : "cancelled", .message = e.what()}, e.what());
    } catch (const TimeoutError& e) {
      fail(kExitFailure, {.kind = "timeout", .message = e.what()}, e.what());
    } catch (const ResourceLimitError& e) {
      fail(kExitFailure, {.kind = "resource_limit", .message = e.what()}, e.what());
    } catch (const InvalidArgumentError& e) {
      fail(kExitUsage, {.kind = "invalid_argument", .message = e.what()}, e.what());
    } catch (const InitializationError& e) {
      fail(kExitFailure, {.kind = "initialization", .message = e.what()}, e.what());
    } catch (const std::exception& e) {
      fail(kExitFailure, {.kind = "error", .message = e.what()}, e.what());
    }
  }
  // A run that failed has no statistics: the host's time from start to failure.
  if (!outcome.peak_memory_bytes)
    outcome.duration_ms = milliseconds(std::chrono::steady_clock::now() - start);

  std::fflush(stdout);
  if (json) {
    std::lock_guard lock(capture_mutex);
    write_to(stdout, json_report(outcome) + "\n");
  }
  return outcome.exit_code;
}

}  // namespace eryx::cli
