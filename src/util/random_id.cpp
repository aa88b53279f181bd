#include "util/random_id.h"

#include <cstdio>
#include <random>

namespace eryx::util {

std::string random_id() {
  std::random_device device;
  std::string id;
  for (int i = 0; i < 4; ++i) {
    char part[9];
    std::snprintf(part, sizeof part, "%08x", static_cast<unsigned>(device()));
    id += part;
  }
  return id;
}

}  // namespace eryx::util
