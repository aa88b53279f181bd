// Outcome of a VFS operation, and a small value-or-status holder.
//
// The VFS knows nothing of Wasm: it reports POSIX-like conditions as `Status`, and the WASI layer
// maps them to preview1 errno values (wasi/errno.h). No VFS function throws for a condition the
// guest can cause; only std::bad_alloc may escape, and the WASI layer turns it into NOMEM.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace eryx::vfs {

enum class Status : uint8_t {
  kOk,
  kNotFound,      // ENOENT
  kExists,        // EEXIST
  kNotDirectory,  // ENOTDIR
  kIsDirectory,   // EISDIR
  kNotEmpty,      // ENOTEMPTY
  kReadOnly,      // EROFS: the node or its directory is read-only
  kNoSpace,       // ENOSPC: byte quota or node limit reached
  kLoop,          // ELOOP: too many symlink hops, or O_NOFOLLOW on a symlink
  kNameTooLong,   // ENAMETOOLONG
  kInvalid,       // EINVAL
  kBusy,          // EBUSY: e.g. removing the root
  kCrossDevice,   // EXDEV: e.g. hard-linking a read-only image into a writable directory
  kPermission,    // EPERM: e.g. hard-linking a directory
  kFileTooBig,    // EFBIG: offsets past what a file can hold
  kAccess,        // EACCES: a host volume's permissions refuse the access
  kIo,            // EIO: a host volume's I/O failed
  kNotSupported,  // ENOTSUP: e.g. a special file on a host volume
};

std::string_view to_string(Status status);

// Either a value or a non-ok Status. Deliberately tiny: the project is C++20 (no std::expected).
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(status) {      // NOLINT(google-explicit-constructor)
    assert(status != Status::kOk);
  }

  bool ok() const { return status_ == Status::kOk; }
  Status status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_ = Status::kOk;
  std::optional<T> value_;
};

}  // namespace eryx::vfs
