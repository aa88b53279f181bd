// What a SandboxFactory shares with the sandboxes it creates.
#pragma once

#include "engine/factory_image.h"

namespace eryx::detail {

struct FactoryData {
  engine::FactoryImage image;
};

}  // namespace eryx::detail
