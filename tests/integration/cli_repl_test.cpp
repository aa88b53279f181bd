// The REPL's guest half (cli/repl_guest) answering the host through a real Session, and run_repl
// as a library call: what python -m eryx relies on (the caller's SIGINT handler comes back). The
// terminal itself is tested through a pty in python/tests/test_cli_repl.py.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "eryx/eryx.hpp"
#include "repl.h"
#include "repl_guest.h"
#include "sandbox_setup.h"

namespace {

namespace guest = eryx::cli::repl_guest;

class ReplGuest : public ::testing::Test {
 protected:
  void SetUp() override { session.execute(guest::install_code()); }

  eryx::ExecuteResult push(const std::string& source) {
    return session.execute(guest::push_code(source));
  }
  // The type of the exception push() raised to answer the host.
  std::string answer_of(const std::string& source) {
    try {
      push(source);
    } catch (const eryx::ExecutionError& e) {
      return e.type_name() + " " + e.message();
    }
    return "none";
  }

  eryx::Session session;
};

TEST_F(ReplGuest, ExpressionValueIsPrintedWithRepr) {
  EXPECT_EQ(push("'a' + 'b'").stdout_text, "'ab'\n");
}

TEST_F(ReplGuest, NoneIsNotPrinted) { EXPECT_EQ(push("None").stdout_text, ""); }

TEST_F(ReplGuest, IncompleteBlockAsksForMore) {
  EXPECT_EQ(answer_of("def f():"), std::string(guest::kMoreType) + " ");
  EXPECT_EQ(answer_of("x = (1,"), std::string(guest::kMoreType) + " ");
  EXPECT_EQ(answer_of("def f():\n    return 1\n"), "none");
}

TEST_F(ReplGuest, SystemExitAnswersExitWithItsStatus) {
  EXPECT_EQ(answer_of("raise SystemExit(7)"), std::string(guest::kExitType) + " 7");
  EXPECT_EQ(answer_of("exit()"), std::string(guest::kExitType) + " 0");
}

TEST_F(ReplGuest, TracebackStartsAtTheUsersCode) {
  const std::string shown = push("1 / 0").stderr_text;
  EXPECT_EQ(shown,
            "Traceback (most recent call last):\n  File \"<stdin>\", line 1, in <module>\n"
            "ZeroDivisionError: division by zero\n");
}

TEST_F(ReplGuest, SourceWithQuotesBackslashesAndUnicodeArrivesIntact) {
  EXPECT_EQ(push("print('\\'\\\\\"\\n|', \"\"\"'''\"\"\", 'é✓')").stdout_text, "'\\\"\n| ''' é✓\n");
}

TEST_F(ReplGuest, MarksTheInterpreterInteractiveWithSysPs1) {
  EXPECT_EQ(push("import sys; print(repr(sys.ps1), repr(sys.ps2))").stdout_text, "'>>> ' '... '\n");
}

TEST_F(ReplGuest, CompletionListsTheCandidatesOnePerLine) {
  push("x_one = 1");
  push("x_two = 2");
  EXPECT_EQ(session.execute(guest::complete_code("x_")).stdout_text, "x_one\nx_two\n");
  EXPECT_EQ(session.execute(guest::complete_code("le")).stdout_text, "len(\n");
}

TEST_F(ReplGuest, LeavesNoNamesInMain) {
  push("x = 1");
  push("2 + 2");
  EXPECT_EQ(
      session.execute("print(sorted(k for k in globals() if not k.startswith('__')))").stdout_text,
      "['x']\n");
}

// Runs run_repl with stdin from `input` (not a terminal: lines are read without editing) and
// stdout into a file; returns its status and what it printed.
struct ReplRun {
  int status = -1;
  std::string stdout_text;
};

ReplRun run_repl_with(const std::string& input) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("eryx-repl-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string saved_home = std::getenv("HOME") ? std::getenv("HOME") : "";
  setenv("HOME", dir.c_str(), 1);  // the history file goes there

  const auto input_path = dir / "input";
  const auto output_path = dir / "output";
  std::ofstream(input_path) << input;
  std::fflush(stdout);
  const int saved_stdin = dup(STDIN_FILENO);
  const int saved_stdout = dup(STDOUT_FILENO);
  const int in = open(input_path.c_str(), O_RDONLY);
  const int out = open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(in, STDIN_FILENO);
  dup2(out, STDOUT_FILENO);
  close(in);
  close(out);

  ReplRun run;
  run.status = eryx::cli::run_repl(eryx::cli::SandboxSetup(eryx::SandboxOptions{}));

  std::fflush(stdout);
  dup2(saved_stdin, STDIN_FILENO);
  dup2(saved_stdout, STDOUT_FILENO);
  close(saved_stdin);
  close(saved_stdout);
  std::clearerr(stdin);
  setenv("HOME", saved_home.c_str(), 1);
  std::ifstream output(output_path);
  run.stdout_text.assign(std::istreambuf_iterator<char>(output), {});
  std::filesystem::remove_all(dir);
  return run;
}

TEST(RunRepl, RunsEachLineInOneSessionAndExitsZeroAtEndOfInput) {
  const ReplRun run = run_repl_with("x = 6 * 7\nx\n");
  EXPECT_EQ(run.status, 0);
  EXPECT_NE(run.stdout_text.find("\n42\n"), std::string::npos) << run.stdout_text;
}

TEST(RunRepl, ReturnsTheStatusOfSysExit) {
  EXPECT_EQ(run_repl_with("import sys\nsys.exit(4)\nprint('not reached')\n").status, 4);
}

void custom_handler(int) {}

TEST(RunRepl, GivesBackTheCallersSigintHandler) {
  struct sigaction mine{}, previous{}, after{};
  mine.sa_handler = custom_handler;
  sigemptyset(&mine.sa_mask);
  mine.sa_flags = SA_RESTART;
  sigaction(SIGINT, &mine, &previous);
  run_repl_with("1\n");
  sigaction(SIGINT, &previous, &after);
  EXPECT_EQ(after.sa_handler, &custom_handler);
  EXPECT_EQ(after.sa_flags & SA_RESTART, SA_RESTART);
}

}  // namespace
