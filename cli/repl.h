// The interactive REPL of `eryx` and `python -m eryx`: python's REPL, with a sandboxed Session
// behind it.
//
// - State persists between inputs (one Session). Completeness of a block is decided in the guest
//   by codeop (top-level await allowed); blocks run in 'single' mode, so values are echoed with
//   repr, None is not, and `_` holds the last one. Errors print the guest's traceback.
// - Output is written to the terminal as the guest writes it.
// - Ctrl-C while code runs raises KeyboardInterrupt in the guest (the state stays); code that does
//   not stop within the interrupt grace is stopped hard, the REPL says the state was lost and goes
//   on with a fresh interpreter. Ctrl-C at the prompt drops the typed text. A limit or timeout hit
//   by one input is reported and the REPL goes on. Ctrl-D at the prompt leaves with status 0;
//   exit(), quit() and sys.exit(n) leave with python's status for them.
// - Lines are edited with libedit and kept in ~/.eryx_history.
#pragma once

#include "sandbox_setup.h"

namespace eryx::cli {

// Runs the REPL on the process's terminal (stdin, stdout, stderr) until the user leaves; returns
// the exit status: 0 for Ctrl-D, the code's for exit()/sys.exit(), 1 when no sandbox could be
// started. While it runs it owns SIGINT (the previous handler is restored before it returns), so
// the caller must not rely on its own SIGINT handling meanwhile. Call it from the main thread.
int run_repl(const SandboxSetup& setup);

}  // namespace eryx::cli
