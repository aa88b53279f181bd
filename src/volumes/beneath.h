// Opening a path beneath a directory fd, with the kernel as the judge of confinement.
//
// Guarantees:
// - The result is always an inode reached from `start` without leaving it; magic links
//   (/proc/<pid>/fd/...) are never followed. Two ways to treat what would climb out:
//   Confinement::kBeneath refuses it with Status::kPermission (openat2 RESOLVE_BENEATH: "..",
//   an absolute path or symlink, a relative symlink climbing out), Confinement::kInRoot treats
//   `start` as the root, as chroot does (RESOLVE_IN_ROOT: ".." at `start` stays there, absolute
//   paths and symlink targets start from it).
// - Resolution is one atomic step for the kernel (openat2, retried on EAGAIN when a concurrent
//   rename made the kernel unsure), so a directory swapped for a symlink by another process
//   while we resolve cannot make us escape.
// - Where openat2 is missing (ENOSYS: kernels before 5.6, some seccomp sandboxes) the same rules
//   are enforced by a walk: each component opened with O_NOFOLLOW relative to the fd of the one
//   before, symlinks read with readlinkat and spliced in (absolute ones refused), ".." taken from
//   our own stack of fds, never from the host's "..". So no component is resolved twice and no
//   race between check and use exists either.
// - Non-regular files (FIFOs, devices, sockets) are opened with O_NONBLOCK, so planting a FIFO
//   cannot make the host block in open(2); the caller decides whether to keep such an fd.
#pragma once

#include <cstdint>
#include <string_view>

#include "vfs/status.h"
#include "volumes/unique_fd.h"

namespace eryx::volumes {

enum class Resolver : uint8_t {
  kAuto,     // openat2 when the kernel has it, else the walk
  kOpenat2,  // openat2 only (fails with kInvalid where it is missing)
  kWalk,     // the component-by-component O_NOFOLLOW walk (for tests and old kernels)
};

enum class Confinement : uint8_t { kBeneath, kInRoot };

// True when this kernel has openat2 (probed once).
bool openat2_available();

// A guest-visible errno turned into the VFS's status vocabulary.
vfs::Status status_from_errno(int error);

// Opens `path` relative to `start` with open(2) `flags` (O_CLOEXEC added) and `mode`.
// `follow_final` false adds O_NOFOLLOW semantics to the last component (a symlink there fails
// with kLoop, or is opened itself with O_PATH). A trailing slash requires a directory.
vfs::Result<UniqueFd> open_beneath(int start, std::string_view path, int flags, unsigned mode,
                                   bool follow_final, Resolver resolver,
                                   Confinement confinement = Confinement::kBeneath);

}  // namespace eryx::volumes
