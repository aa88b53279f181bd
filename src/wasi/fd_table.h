// The guest's file descriptors.
//
// An fd is a slot holding what it refers to: stdin (always at EOF), stdout or stderr (captured),
// or an open handle of a mount (vfs/mount.h: a file or directory of the private tree, of shared
// storage or of a host volume) with its own offset, fdflags and rights. Handles are held by
// shared_ptr, so an unlinked file stays readable through an fd still open on it, and a copied
// context may share a handle of a shared mount. New fds take the
// lowest free number below max_fds (MFILE past it), as POSIX open does. Preview1 has no dup, so
// every fd has its own offset.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vfs/mount.h"
#include "wasi/errno.h"

namespace eryx::wasi {

enum class FdKind : uint8_t { kStdin, kStdout, kStderr, kFile, kDirectory };

struct FdEntry {
  FdKind kind = FdKind::kStdin;
  vfs::HandlePtr handle = nullptr;  // kFile, kDirectory: the open file or directory; null for stdio
  uint64_t offset = 0;
  uint16_t fdflags = 0;
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
  std::string preopen_name = {};  // non-empty for a preopened directory (fd_prestat_*)

  bool can_read() const;
  bool can_write() const;
};

class FdTable {
 public:
  static constexpr uint32_t kDefaultMaxFds = 1024;

  explicit FdTable(uint32_t max_fds = kDefaultMaxFds) : max_fds_(max_fds) {}

  // The entry for `fd`, or null. The pointer is valid until the table changes.
  FdEntry* get(uint32_t fd);
  const FdEntry* get(uint32_t fd) const;

  // Places the entry at the lowest free fd; MFILE when all max_fds are taken.
  std::optional<uint32_t> insert(FdEntry entry);
  // Places the entry at exactly `fd` (used to set up 0-3); false when out of range or taken.
  bool insert_at(uint32_t fd, FdEntry entry);
  // BADF when `fd` is not open.
  Errno close(uint32_t fd);
  // Moves `from` to `to`, closing what `to` held. BADF unless both are open.
  Errno renumber(uint32_t from, uint32_t to);

  uint32_t max_fds() const { return max_fds_; }
  size_t open_count() const { return open_; }

  // Calls f(entry) for every open fd (used to repoint handles in a clone).
  void for_each(const std::function<void(FdEntry&)>& f);

 private:
  uint32_t max_fds_;
  std::vector<std::optional<FdEntry>> slots_;
  size_t open_ = 0;
};

}  // namespace eryx::wasi
