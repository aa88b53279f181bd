// Whether this kernel answers Linux's PAGEMAP_SCAN ioctl (6.7 and later), which Wasmtime's pooling
// allocator can use to reset a memory slot by restoring only the pages an instance wrote.
#pragma once

namespace eryx::engine {

// Probes once per process (an ioctl on /proc/self/pagemap over one page of this thread's stack).
bool kernel_supports_pagemap_scan();

}  // namespace eryx::engine
