// A host directory (or one host file) lent to a sandbox: the engine-free core of volumes.
//
// Guarantees:
// - Every host access goes through a file descriptor the volume opened: paths are resolved by
//   open_beneath (volumes/beneath.h) relative to the volume's root fd or to a directory handle
//   opened from it, never as host path strings. So "..", absolute paths, absolute symlinks and
//   symlinks climbing out (planted by the guest or by another host process, before or during the
//   call) fail with Status::kPermission instead of leaving the volume.
// - Operations on a name (mkdir, rmdir, unlink, rename, link, symlink, readlink, stat without
//   following, utimes, chmod) open the name's parent beneath the root and act on the final
//   component with an *at call that never follows it; a trailing slash is handled here, never
//   passed to the kernel (it would make the kernel follow a final symlink).
// - A read-only volume refuses every change (write, create, truncate, rename, unlink, link,
//   symlink, mkdir, rmdir, utimes, chmod) with Status::kReadOnly before touching the host, and
//   opens host files O_RDONLY.
// - A writable volume has a byte quota on growth: each write, truncate or symlink charges the
//   bytes by which it grows the volume's files (logical size: a sparse write at 2^40 charges
//   2^40); truncating and unlinking the last link give bytes back (never below zero, as files
//   that were there before the volume was opened were never charged). Past the quota an
//   operation fails with Status::kNoSpace and changes nothing. The count is atomic, so
//   concurrent writers (several sessions on one volume) cannot overshoot it.
// - A single-file volume holds its file's parent directory fd and the one name: only that name
//   can be opened or stat'ed, so the siblings stay invisible; every path operation fails.
// - Only regular files, directories and symlinks are served: a FIFO, socket or device in the
//   folder is refused with kPermission (and opening one never blocks the host).
//
// Thread-safe: handles and the volume may be used from several threads at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vfs/status.h"
#include "volumes/beneath.h"
#include "volumes/unique_fd.h"

namespace eryx::volumes {

using vfs::Result;
using vfs::Status;

enum class FileType : uint8_t {
  kDirectory,
  kRegularFile,
  kSymlink,
  kBlockDevice,
  kCharacterDevice,
  kOther,  // FIFO, socket, or unknown
};

struct FileStat {
  FileType type = FileType::kOther;
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t nlink = 0;
  uint64_t size = 0;
  uint64_t atim_ns = 0;
  uint64_t mtim_ns = 0;
  uint64_t ctim_ns = 0;
};

struct DirEntry {
  std::string name;
  FileType type = FileType::kOther;
  uint64_t ino = 0;
};

struct OpenFlags {
  bool write = false;      // open for writing (reading is always allowed)
  bool create = false;     // O_CREAT
  bool exclusive = false;  // O_EXCL (with create: a symlink in the way is never followed)
  bool truncate = false;   // O_TRUNC
  bool directory = false;  // O_DIRECTORY
  bool follow = true;      // follow a symlink in the final component (inside the volume only)
};

// A time for set_times: leave it, the current time, or a given one.
struct TimeSpec {
  enum class Kind : uint8_t { kOmit, kNow, kSet } kind = Kind::kOmit;
  uint64_t ns = 0;
};

struct VolumeOptions {
  bool read_only = true;
  uint64_t quota_bytes = 1ull << 30;  // growth a writable volume may take (1 GiB)
  Resolver resolver = Resolver::kAuto;
};

class HostVolume;
using ConstChunk = std::span<const uint8_t>;
using MutableChunk = std::span<uint8_t>;

// An open file or directory of a volume. Keeps the volume alive.
class Handle {
 public:
  Handle(std::shared_ptr<HostVolume> volume, UniqueFd fd, FileType type, std::string path);
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  FileType type() const { return type_; }
  bool is_directory() const { return type_ == FileType::kDirectory; }
  int fd() const { return fd_.get(); }
  // The path from the volume's root as it was opened ("" for the root itself).
  const std::string& path() const { return path_; }
  HostVolume& volume() const { return *volume_; }

  Result<FileStat> stat() const;
  // Reads into the chunks from `offset`; returns the bytes read (0 at the end).
  Result<uint64_t> read_at(uint64_t offset, std::span<const MutableChunk> chunks) const;
  // Writes all the chunks from `offset`; returns the bytes written. Quota and read-only apply:
  // past the quota nothing is written.
  Result<uint64_t> write_at(uint64_t offset, std::span<const ConstChunk> chunks);
  // Writes at the current end of the file (one appender of the volume at a time); returns the
  // offset after the data.
  Result<uint64_t> append(std::span<const ConstChunk> chunks);
  Status truncate(uint64_t size);
  // Grows the file to at least offset + len (posix_fallocate); growth counts against the quota.
  Status allocate(uint64_t offset, uint64_t len);
  Status set_times(TimeSpec atim, TimeSpec mtim);
  Status sync();
  // Every entry but "." and "..", in the host's order.
  Result<std::vector<DirEntry>> read_dir() const;
  // Entries from `cookie` on, "." (cookie 0) and ".." (1) first, then the host's entries; each
  // call's `next` is the cookie that continues after that entry. Cookies are the host's
  // directory offsets (getdents64 d_off, shifted past 2), so they stay valid while entries come
  // and go. `visit` returns false to stop.
  using DirVisitor =
      std::function<bool(uint64_t next, uint64_t ino, FileType type, std::string_view name)>;
  Status read_dir_from(uint64_t cookie, const DirVisitor& visit) const;

 private:
  std::shared_ptr<HostVolume> volume_;
  UniqueFd fd_;
  FileType type_;
  std::string path_;
};
using HandlePtr = std::shared_ptr<Handle>;

class HostVolume : public std::enable_shared_from_this<HostVolume> {
 public:
  // Opens the host directory or regular file at `host_path` (resolved once, here, by the trusted
  // host: symlinks in it are followed). NotFound when absent, Invalid for anything else.
  static Result<std::shared_ptr<HostVolume>> open(std::string_view host_path,
                                                  VolumeOptions options);
  HostVolume(const HostVolume&) = delete;
  HostVolume& operator=(const HostVolume&) = delete;

  bool is_file() const { return !file_name_.empty(); }
  bool read_only() const { return options_.read_only; }
  const std::string& host_path() const { return host_path_; }
  uint64_t quota_bytes() const { return options_.quota_bytes; }
  uint64_t used_bytes() const { return used_bytes_.load(); }
  Resolver resolver() const { return options_.resolver; }

  // The volume's root: its directory (flags.directory implied), or for a single-file volume the
  // file itself.
  Result<HandlePtr> open_root(const OpenFlags& flags);
  Result<FileStat> stat_root() const;

  // Path operations. `dir` is a directory handle of this volume, or null for the root; `path`
  // is relative to it. A path that climbs above `dir` but stays in the volume is resolved from
  // the root (the handle's path and then `path`).
  Result<HandlePtr> open(const Handle* dir, std::string_view path, const OpenFlags& flags);
  Result<FileStat> stat(const Handle* dir, std::string_view path, bool follow) const;
  Status mkdir(const Handle* dir, std::string_view path);
  Status rmdir(const Handle* dir, std::string_view path);
  Status unlink(const Handle* dir, std::string_view path);
  Status rename(const Handle* old_dir, std::string_view old_path, const Handle* new_dir,
                std::string_view new_path);
  // A hard link; `follow` follows a symlink named by old_path (inside the volume).
  Status link(const Handle* old_dir, std::string_view old_path, bool follow, const Handle* new_dir,
              std::string_view new_path);
  // The target is stored as given; resolving through it never leaves the volume.
  Status symlink(std::string_view target, const Handle* dir, std::string_view path);
  Result<std::string> readlink(const Handle* dir, std::string_view path) const;
  Status set_times(const Handle* dir, std::string_view path, bool follow, TimeSpec atim,
                   TimeSpec mtim);
  // Permission bits (0777 at most); preview1 has no chmod, this serves host-side callers.
  Status chmod(const Handle* dir, std::string_view path, unsigned mode);

 private:
  friend class Handle;
  struct ParentAndName;

  HostVolume(std::string host_path, VolumeOptions options, UniqueFd root, std::string file_name);

  // Opens `path` beneath `dir` (or the root), retrying from the root when it climbs above `dir`.
  Result<UniqueFd> open_fd(const Handle* dir, std::string_view path, int flags, unsigned mode,
                           bool follow) const;
  // The parent directory of the final component of `path`, and that component.
  Result<ParentAndName> parent_of(const Handle* dir, std::string_view path) const;

  // Charges `bytes` of growth against the quota; false (nothing charged) past it.
  bool charge(uint64_t bytes);
  void refund(uint64_t bytes);

  std::string host_path_;
  VolumeOptions options_;
  UniqueFd root_;          // the directory, or the single file's parent directory (O_PATH)
  std::string file_name_;  // the single file's name in root_, empty for a directory volume
  std::atomic<uint64_t> used_bytes_{0};
  std::mutex append_mutex_;  // appends of one volume are atomic with respect to each other
};

}  // namespace eryx::volumes
