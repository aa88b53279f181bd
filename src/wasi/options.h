// What a WasiContext is built from. Everything the guest can observe of the host comes from
// here: nothing (environment, directories, clock precision, entropy) leaks unless configured.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "vfs/mount.h"
#include "vfs/vfs.h"
#include "wasi/fd_table.h"
#include "wasi/output_capture.h"

namespace eryx::wasi {

// A filesystem the guest sees at `guest_path` (absolute, canonical, not "/"), besides the private
// tree: shared storage, a host volume.
struct MountPoint {
  std::string guest_path;
  vfs::MountPtr mount;
};

struct WasiOptions {
  // argv; argv[0] is a guest path-like name, never the host's executable.
  std::vector<std::string> args = {"python"};
  // Environment as (name, value); empty by default. Names may not contain '=' and nothing may
  // contain NUL (the constructor throws std::invalid_argument).
  std::vector<std::pair<std::string, std::string>> env;
  // The filesystem; null means an empty read-only root. fd 3 is a preopen of its root "/".
  std::shared_ptr<vfs::Vfs> vfs;
  // More filesystems, preopened as fd 4, 5, ... in this order (see WasiContext::add_mount).
  std::vector<MountPoint> mounts;

  uint64_t stdout_max_bytes = OutputCapture::kDefaultMaxBytes;
  uint64_t stderr_max_bytes = OutputCapture::kDefaultMaxBytes;
  OutputHandler on_stdout;
  OutputHandler on_stderr;

  // Open fds at most, stdio and the preopen included (MFILE past it). At least 4.
  uint32_t max_fds = FdTable::kDefaultMaxFds;
  // Clock readings are rounded down to this (clock_res_get reports it): finer host timing is a
  // side channel the guest does not need.
  uint64_t clock_resolution_ns = 1000;
  // Polled at least every 10 ms while a host wait sleeps; true ends the wait with INTR.
  std::function<bool()> interrupt_check;
  // Polled likewise; true ends the wait early as though its earliest clock had fired (the host
  // has an interrupt to raise in the guest, which happens once the guest runs again).
  std::function<bool()> wake_check;
  // Fills the span with random bytes for random_get, or returns false; null means the host's
  // getrandom(2). Set it to make a run reproducible.
  std::function<bool(std::span<uint8_t>)> entropy;
};

}  // namespace eryx::wasi
