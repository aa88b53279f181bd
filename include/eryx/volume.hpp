// Host volumes: a host directory, or one host file, shown to the guest at a path of its own.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace eryx {

// A host directory (or a single host file: its siblings stay invisible) that the guest sees at
// `guest_path`. Confinement is the kernel's: every access is resolved beneath the directory with
// openat2(RESOLVE_BENEATH), so "..", absolute paths and symlinks (planted by the guest or by
// anyone else, even while the guest runs) never reach outside it.
//
// A read-only volume refuses every change with EROFS in the guest. A writable one may grow its
// files by at most `max_bytes` in total (ENOSPC past it, nothing changed); deleting and
// truncating give bytes back.
struct Volume {
  std::filesystem::path host_path;  // an existing directory or regular file
  std::string guest_path;           // absolute, e.g. "/data" or "/data/input.csv"
  bool read_only = true;
  uint64_t max_bytes = 1ull << 30;
};

}  // namespace eryx
