// `python -m eryx`: the eryx command itself (cli/app.cpp, linked in as eryx_cli_lib), so both entry
// points parse the same flags and behave the same way.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app.h"
#include "bindings.h"

namespace eryx::python {

void init_cli(nb::module_& m) {
  m.def(
      "_cli_main",
      [](std::vector<std::string> args) {
        int status;
        {
          // The command runs with the GIL released; during a run its own SIGINT handler turns
          // Ctrl-C into KeyboardInterrupt in the guest, and Python's handler comes back after.
          GilRelease release;
          status = eryx::cli::main("python -m eryx", std::move(args));
          std::cout.flush();
          std::fflush(stdout);
          std::fflush(stderr);
        }
        return status;
      },
      nb::arg("args"),
      "Runs the eryx command line with `args` (sys.argv[1:]) and returns its exit status.");
}

}  // namespace eryx::python
