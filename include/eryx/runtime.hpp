// The Runtime owns what sandboxes share: the Wasm engine, the compiled guest module, the stdlib
// image and the pristine interpreter state every execution starts from. It is thread-safe and is
// shared by reference (std::shared_ptr) between sandboxes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "eryx/options.hpp"

namespace eryx {

namespace detail {
class RuntimeCore;
}

class Runtime {
 public:
  // Loads the guest from options.guest_dir (when empty: see RuntimeOptions::guest_dir). Throws
  // InitializationError, naming the missing file when the guest directory is incomplete.
  static std::shared_ptr<Runtime> create(RuntimeOptions options);

  // The process-wide default runtime, with the options of configure_shared() or default ones
  // (RuntimeOptions::guest_dir says where the guest is then looked for). Created on first use.
  static std::shared_ptr<Runtime> shared();

  // The process-wide runtime of a guest flavour (RuntimeOptions::flavour; "" is shared()), with
  // the options of configure_shared(). Created on first use; throws as create().
  static std::shared_ptr<Runtime> shared(std::string_view flavour);

  // Sets the options shared() will use, if it has not been created yet (returns false otherwise).
  // Language bindings use it to point at the guest files they ship.
  static bool configure_shared(RuntimeOptions options);

  // The guest flavour this runtime runs ("" for the plain guest).
  const std::string& flavour() const { return flavour_; }

  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  detail::RuntimeCore& core() const { return *core_; }

 private:
  Runtime(std::unique_ptr<detail::RuntimeCore> core, std::string flavour);
  std::unique_ptr<detail::RuntimeCore> core_;
  std::string flavour_;
};

}  // namespace eryx
