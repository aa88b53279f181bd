// The guest half of the REPL: Python source the host sends once per interpreter, and the short
// statements that call it. The helper lives in sys.modules under a private name, so the user's
// __main__ sees no name of it (only `_`, which sys.displayhook keeps in builtins).
#pragma once

#include <string>
#include <string_view>

namespace eryx::cli::repl_guest {

// Qualified names of the exceptions the helper raises to answer the host; they reach the host as
// ExecutionError::type_name().
inline constexpr std::string_view kMoreType = "_eryx_repl.More";  // block incomplete: read more
inline constexpr std::string_view kExitType = "_eryx_repl.Exit";  // exit(): message() = status

// Installs the helper (and `exit` / `quit` in builtins, which the sandbox's interpreter lacks: it
// does not import site).
std::string install_code();
// Prints the banner: eryx's version and the guest's sys.version.
std::string banner_code(std::string_view eryx_version);
// Compiles `source` (all lines of the block so far) with the guest's codeop: raises More when the
// block is incomplete, prints a SyntaxError as python does, else runs it in __main__ in 'single'
// mode (values echoed through sys.displayhook; top-level await awaited). Exceptions from the user's
// code are printed as a traceback without the helper's frames; SystemExit becomes Exit.
std::string push_code(std::string_view source);
// Prints the completions of `word` (a dotted name) one per line, as python's REPL offers them.
std::string complete_code(std::string_view word);
// Raises KeyError when the helper is missing: the interpreter was replaced by a fresh one.
std::string probe_code();

}  // namespace eryx::cli::repl_guest
