// Ctrl-C during a synchronous execute(). The GIL is released while the guest runs, so Python's own
// SIGINT handler only sets a flag that nobody reads until the run ends. eryx therefore chains a
// C-level handler in front of Python's (installed again whenever something replaced it, and never
// over SIG_IGN or SIG_DFL): it interrupts the token of the execution the main thread is running, so
// the guest raises KeyboardInterrupt at once (escalating to a hard stop if the code swallows it),
// and then calls Python's handler as before. After the run the binding lets Python handle the
// signal, which raises KeyboardInterrupt in the caller, as Python does for any blocking call.
#pragma once

#include "eryx/cancellation.hpp"

namespace eryx::python {

// While alive on the main thread, a SIGINT interrupts `token`. Elsewhere it does nothing.
class SigintWatch {
 public:
  explicit SigintWatch(const CancellationToken& token);
  ~SigintWatch();
  SigintWatch(const SigintWatch&) = delete;
  SigintWatch& operator=(const SigintWatch&) = delete;

  // True when a SIGINT arrived while watching.
  bool fired() const;

 private:
  bool active_ = false;
  unsigned long long seen_ = 0;
};

}  // namespace eryx::python
