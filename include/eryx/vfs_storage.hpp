// VfsStorage: an in-memory filesystem that Sessions mount (at /data by default) and share.
//
// Files a session writes there outlive its executions, reset(), clear_state(), snapshot() and
// from_snapshot(), and the session itself: the storage belongs to the host, which can seed it and
// read results without running code. Several sessions, on several threads, may mount one storage
// at once: every operation on it, from a guest or from the host, holds the storage's lock, so
// metadata is never torn and writes to one file happen one at a time.
//
// Limits: at most max_bytes of file data and symlink targets (the guest sees ENOSPC past it, the
// host a VfsError with ENOSPC) and at most 65,536 directory entries.
//
// Paths of the host methods are storage paths: "/reports/a.csv" (or "reports/a.csv") is what a
// session mounting the storage at /data sees as "/data/reports/a.csv". "." and ".." are refused.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eryx/errors.hpp"

namespace eryx {

namespace detail {
struct VfsStorageAccess;
}

// A storage path the host named does not exist, is of the wrong kind, or would not fit.
// error_code() is the POSIX errno value (ENOENT, ENOTDIR, EISDIR, EEXIST, ENOTEMPTY, ENOSPC), as
// Python's OSError carries it.
class VfsError : public Error {
 public:
  VfsError(int error_code, const std::string& message, std::string path)
      : Error(message), error_code_(error_code), path_(std::move(path)) {}
  int error_code() const noexcept { return error_code_; }
  const std::string& path() const noexcept { return path_; }

 private:
  int error_code_;
  std::string path_;
};

class VfsStorage {
 public:
  static constexpr uint64_t kDefaultMaxBytes = 64ull * 1024 * 1024;

  // An empty storage. Throws InvalidArgumentError for max_bytes 0.
  static std::shared_ptr<VfsStorage> create(uint64_t max_bytes = kDefaultMaxBytes);
  ~VfsStorage();
  VfsStorage(const VfsStorage&) = delete;
  VfsStorage& operator=(const VfsStorage&) = delete;

  // Creates or replaces the file (missing parent directories are created). VfsError: ENOTDIR when
  // a parent is a file, EISDIR when the path is a directory, ENOSPC past max_bytes (the file is
  // left as it was). InvalidArgumentError for a path with ".", "..", NUL or nothing in it.
  void write_file(std::string_view path, std::string_view data);
  // The file's bytes (a symlink is followed within the storage). VfsError ENOENT, EISDIR.
  std::string read_file(std::string_view path) const;
  // The names in a directory ("/" is the root), sorted. VfsError ENOENT, ENOTDIR.
  std::vector<std::string> list(std::string_view path = "/") const;
  // Removes a file or symlink, or a directory with everything in it. VfsError ENOENT; removing
  // "/" empties the storage. Files a session still has open stay readable to it until closed
  // (and count against max_bytes until then).
  void remove(std::string_view path);
  // Bytes of file data and symlink targets stored (what max_bytes limits).
  uint64_t size_bytes() const;
  uint64_t max_bytes() const;

  // The whole tree (files, directories, symlinks, times) as bytes: versioned and checksummed.
  std::string snapshot() const;
  // Replaces the contents with a snapshot()'s. Throws Error (as for other eryx images) for bytes
  // that are corrupt, truncated or of another format version, ResourceLimitError when they do not
  // fit max_bytes; either way the storage is unchanged. Sessions see the new contents at once.
  void restore(std::string_view bytes);

 private:
  friend struct detail::VfsStorageAccess;
  struct Impl;
  explicit VfsStorage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eryx
