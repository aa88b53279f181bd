// A one-shot run, as `python -c CODE`, `python SCRIPT` and `python -` do it: sys.argv set, the
// script's name in its tracebacks, output streamed (or reported as one JSON object with --json),
// and python's exit statuses (docs/guide/cli.md).
#pragma once

#include <string>
#include <vector>

#include "sandbox_setup.h"

namespace eryx::cli {

struct Program {
  std::string code;
  std::string filename;           // tracebacks show it: the script's path, "<string>", "<stdin>"
  std::vector<std::string> argv;  // sys.argv
};

// -c CODE: sys.argv is ['-c', args...].
Program program_from_command(std::string code, std::vector<std::string> args);
// A script (path, or "-" for standard input) with its arguments: sys.argv is [path, args...].
// A UTF-8 byte order mark at the start is dropped. Throws UsageError when it cannot be read.
Program program_from_script(const std::string& path, std::vector<std::string> args);

// Runs `program` in a fresh session from `setup`; Ctrl-C raises KeyboardInterrupt in it. Returns
// the exit status: 0 success, 1 the code raised or hit a limit, n for sys.exit(n), 130 after an
// uncaught KeyboardInterrupt, 2 for input the sandbox refuses (e.g. a NUL byte in the code).
int run_program(const SandboxSetup& setup, const Program& program, bool json);

}  // namespace eryx::cli
