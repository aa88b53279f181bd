// A program of another project that uses the installed eryx: real Python in a sandbox, an
// exception of the guest caught as eryx's type, a typed callback (the JSON helpers) and the
// fuel-metered engine.
#include <iostream>
#include <string>

#include <eryx/callbacks.hpp>
#include <eryx/eryx.hpp>

int main() {
  try {
    eryx::SandboxOptions options;
    options.callbacks.add(eryx::make_callback("add", "Adds two integers", {"a", "b"},
                                              [](int a, int b) { return a + b; }));
    eryx::Sandbox sandbox(options);
    auto result = sandbox.execute("import sys\nprint('consumer', sys.platform, await add(40, 2))");
    std::cout << result.stdout_text;
    if (result.stdout_text != "consumer wasi 42\n") return 1;
    try {
      sandbox.execute("open('/etc/passwd')");
      return 1;
    } catch (const eryx::ExecutionError& e) {
      std::cout << "host file hidden: "
                << (std::string(e.what()).find("FileNotFoundError") != std::string::npos) << "\n";
    }
    // The fuel-metered engine loads its own snapshot module.
    eryx::SandboxOptions metered;
    metered.limits.max_fuel = 1'000'000'000;
    std::cout << eryx::Sandbox(metered).execute("print('metered', 6 * 7)").stdout_text;
    return 0;
  } catch (const eryx::Error& e) {
    std::cerr << "eryx error: " << e.what() << "\n";
    return 2;
  }
}
