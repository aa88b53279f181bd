// Guest code runs on the calling thread when it has room for the Wasm stack limit plus a margin for
// the host's own frames; otherwise on a helper thread with a large stack. Without this a thread
// with a small stack (some runtimes use 1 MiB or less) would overflow the host stack instead of
// letting Wasmtime raise a stack-exhaustion trap.
#pragma once

#include <cstddef>
#include <functional>

namespace eryx::engine {

// Runs `fn` on a stack with at least `needed` bytes free, propagating its exception.
void run_with_stack(size_t needed, const std::function<void()>& fn);

}  // namespace eryx::engine
