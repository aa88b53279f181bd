// Stand-in for cli/repl.cpp in the cli-flags branch only: dropped when the REPL is merged.
#include <cstdio>

#include "repl.h"

namespace eryx::cli {

int run_repl(const SandboxSetup&) {
  std::fputs("eryx: REPL not built in this branch (give -c CODE, a script, or - for stdin)\n",
             stderr);
  return 2;
}

}  // namespace eryx::cli
