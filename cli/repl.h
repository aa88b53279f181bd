// The interactive REPL (`eryx` with no code on a terminal). Implemented by cli/repl.cpp.
#pragma once

#include "sandbox_setup.h"

namespace eryx::cli {

// Runs the REPL on the terminal until Ctrl-D; returns the exit status.
int run_repl(const SandboxSetup& setup);

}  // namespace eryx::cli
