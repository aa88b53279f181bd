// The eryx command line: parses the arguments and runs the mode they ask for (a one-shot run of
// -c CODE, a script or standard input; the REPL; `eryx serve`). One entry point for build/eryx
// (cli/main.cpp) and `python -m eryx` (the binding eryx._eryx._cli_main), so both behave alike.
#pragma once

#include <string>
#include <vector>

namespace eryx::cli {

// `program` names the command in --help and messages; `args` are the arguments after it.
// Returns the process exit status (docs/guide/cli.md): 0 ok, 1 the code failed or hit a limit,
// 2 usage, n for sys.exit(n), 130 after Ctrl-C.
int main(const std::string& program, std::vector<std::string> args);

// "eryx 0.1.0" (the eryx release this was built from).
std::string version_text();

}  // namespace eryx::cli
