// The eryx command (build/eryx): everything is in cli/app.cpp, shared with `python -m eryx`.
#include <string>
#include <vector>

#include "app.h"

int main(int argc, char** argv) {
  return eryx::cli::main("eryx", std::vector<std::string>(argv + 1, argv + argc));
}
