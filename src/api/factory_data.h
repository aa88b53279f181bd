// What a SandboxFactory shares with the sandboxes it creates.
#pragma once

#include "snapshot/factory_image.h"

namespace eryx::detail {

struct FactoryData {
  snapshot::FactoryImage image;
};

}  // namespace eryx::detail
