// Builds a FactoryImage: a fresh interpreter with the factory's files in its filesystem runs the
// requested imports, then the pages that differ from a fresh interpreter are kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine_variant.h"
#include "eryx/cancellation.hpp"
#include "snapshot/factory_image.h"

namespace eryx::engine {

struct FactorySpec {
  snapshot::FactoryImage::Files files;  // read-only files placed in the sandbox filesystem
  std::vector<std::string> sys_path;    // prepended to sys.path (guest paths)
  std::vector<std::string> imports;     // module names, already validated as dotted identifiers
  std::string setup_code;               // run in __main__ after the imports (validated UTF-8)
  std::optional<uint64_t> build_timeout_ms;  // for all guest code the build runs
  CancellationToken cancel;
};

// Throws InitializationError when an import or the setup code fails (with the guest traceback) or
// they leave
// files open (a factory carries no open files); TimeoutError or CancelledError when the build
// runs past spec.build_timeout_ms or spec.cancel is used.
snapshot::FactoryImage build_factory_image(const EngineVariant& variant, FactorySpec spec);

}  // namespace eryx::engine
