#include "app.h"

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <utility>

#include "repl.h"
#include "run_once.h"
#include "sandbox_flags.h"
#include "serve.h"

#ifndef ERYX_VERSION_STRING
#error "ERYX_VERSION_STRING is defined by cli/CMakeLists.txt"
#endif

namespace eryx::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// The guest's Python version, asked of a sandbox (the interpreter is the guest's, not the host's).
std::string guest_python_version() {
  Sandbox sandbox;
  auto result = sandbox.execute("import sys\nresult = '%d.%d.%d' % sys.version_info[:3]");
  if (!result.result_json) throw Error("the guest did not report its version");
  return nlohmann::json::parse(*result.result_json).get<std::string>();
}

// An eryx message without its "eryx: " prefix (the command's name comes first already).
std::string without_prefix(std::string_view message) {
  if (message.starts_with("eryx: ")) message.remove_prefix(6);
  return std::string(message);
}

}  // namespace

std::string version_text() { return std::string("eryx ") + ERYX_VERSION_STRING; }

int main(const std::string& program, std::vector<std::string> args) {
  CLI::App app{
      "eryx: run untrusted Python in a WebAssembly sandbox.\n"
      "  eryx [options] -c CODE [arg ...]   run CODE\n"
      "  eryx [options] SCRIPT [arg ...]    run a script (- : standard input)\n"
      "  eryx [options]                     the REPL on a terminal, else run standard input",
      program};
  app.footer(
      "Exit status: 0 success; 1 the code raised or hit a limit; 2 usage error; n for "
      "sys.exit(n); 130 after Ctrl-C.");
  // Options stop at the script (or the first argument after -c CODE): what follows is sys.argv.
  app.prefix_command();
  std::optional<std::string> command;
  bool json = false;
  bool version = false;
  app.add_option("-c", command, "Python code to run (sys.argv[0] is '-c')")->type_name("CODE");
  app.add_flag("--json", json,
               "Print one JSON object (stdout, stderr, result, duration_ms, peak_memory_bytes, "
               "error, exit_code) instead of streaming the output");
  app.add_flag("--version", version, "Print the eryx and guest Python versions");
  SandboxFlags flags;
  add_sandbox_flags(app, flags);
  ServeOptions serve_options;
  CLI::App* serve = add_serve_command(app, serve_options);

  std::reverse(args.begin(), args.end());  // CLI11 takes a vector last argument first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  std::vector<std::string> rest = app.remaining();
  // "--" ends the options: before a script it is dropped; after -c CODE it stays in sys.argv, as
  // python keeps it.
  const bool options_ended = !rest.empty() && rest.front() == "--";
  if (options_ended && !command) rest.erase(rest.begin());
  // prefix_command() leaves unknown options in `rest` too: before the script they are errors.
  if (!options_ended && !rest.empty() && rest.front().size() > 1 && rest.front().front() == '-') {
    std::cerr << program << ": unknown option " << rest.front()
              << "\nRun with --help for more information.\n";
    return kExitUsage;
  }

  if (version) {
    try {
      const std::string guest = guest_python_version();
      std::cout << version_text() << " (guest Python " << guest << ")\n";
    } catch (const std::exception& e) {
      std::cout << version_text() << "\n" << std::flush;
      std::cerr << program << ": the guest cannot start: " << without_prefix(e.what()) << "\n";
      return kExitFailure;
    }
    return 0;
  }

  if (serve->parsed() && (command || !rest.empty())) {
    std::cerr << program << " serve: runs the code its MCP clients send; it takes no -c CODE or "
              << "script\n";
    return kExitUsage;
  }

  // The MCP servers of --mcp-config live as long as the command: every sandbox may call them.
  McpManager mcp;
  try {
    if (serve->parsed()) {
      block_stop_signals(serve_options);
      return run_serve(make_setup(flags, &mcp), serve_options);
    }
    std::optional<Program> program_to_run;
    if (command) {
      program_to_run = program_from_command(*command, std::move(rest));
    } else if (!rest.empty()) {
      std::string script = rest.front();
      rest.erase(rest.begin());
      program_to_run = program_from_script(script, std::move(rest));
    } else if (!json && isatty(STDIN_FILENO)) {
      return run_repl(make_setup(flags, &mcp));
    } else {
      program_to_run = program_from_script("-", {});  // as python: a pipe is a script
    }
    SandboxSetup setup = make_setup(flags, &mcp);
    return run_program(setup, *program_to_run, json);
  } catch (const UsageError& e) {
    std::cerr << program << ": " << without_prefix(e.what()) << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    // Setting the sandboxes up failed (an --import that raises, a factory file of another build).
    std::cerr << program << ": " << without_prefix(in_flag_terms(e.what())) << "\n";
    return kExitFailure;
  }
}

}  // namespace eryx::cli
