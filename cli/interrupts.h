// Ctrl-C during a run: while a SigintInterrupts lives, SIGINT interrupts the given execution
// (KeyboardInterrupt in the guest, a hard stop if the code swallows it: CancellationToken) instead
// of ending the process. The previous handler comes back afterwards, so `python -m eryx` hands
// SIGINT back to Python when the run is over.
#pragma once

#include <csignal>

#include "eryx/cancellation.hpp"

namespace eryx::cli {

class SigintInterrupts {
 public:
  explicit SigintInterrupts(const CancellationToken& token);
  ~SigintInterrupts();
  SigintInterrupts(const SigintInterrupts&) = delete;
  SigintInterrupts& operator=(const SigintInterrupts&) = delete;

  // True when a SIGINT arrived while this was installed.
  bool fired() const;

 private:
  struct sigaction previous_{};
  bool installed_ = false;
};

}  // namespace eryx::cli
