// The mount interface: an abstract filesystem the WASI layer drives through handles.
//
// A sandbox sees one or more mounts, each exposed to the guest as a preopened directory fd: the
// private in-memory tree at "/" (vfs::Vfs through vfs::TreeMount), shared in-memory storage
// (eryx::VfsStorage, also a TreeMount) and confined host directories (src/volumes/). The WASI layer
// only knows this interface; implementations know nothing of Wasm.
//
// Guarantees every implementation gives (the WASI layer relies on them, and on nothing else):
// - Paths are guest paths: bytes as the guest passed them (at most kMaxPathLength, names at most
//   kMaxNameLength, no NUL: see vfs/path.h), relative to a directory handle of the same mount; an
//   absolute path, and an absolute symlink target, start at the mount's root. ".." at the mount's
//   root stays at the root and symlinks are followed at most kMaxSymlinkHops times (Status::kLoop
//   past that), so no path, symlink or hard link ever reaches outside the mount.
// - Handles passed to a Mount's methods were opened by that same mount (the caller checks
//   `&handle.mount() == this`; operations that would span two mounts, rename and link, are refused
//   by the caller with Status::kCrossDevice before they get here).
// - Nothing throws for a condition the guest can cause; failures are a Status. Only
//   std::bad_alloc may escape (the WASI layer turns it into NOMEM).
// - A read-only mount, directory or file refuses every change (create, write, truncate, allocate,
//   rename, link, symlink, unlink, rmdir, set_times) with Status::kReadOnly and changes nothing.
// - Byte and entry quotas: an operation that would go past them returns Status::kNoSpace and
//   changes nothing (a write is all or nothing).
// - Offsets and sizes past INT64_MAX are Status::kFileTooBig.
// - A mount and its handles may be used from several threads at once (several sessions sharing
//   one storage); each implementation serialises what it must. A handle keeps its Mount alive
//   (hold a shared_ptr to it: enable_shared_from_this), so mount() stays valid as long as the
//   handle, which may outlive every other reference to the Mount.
//
// Status values and the errno the guest sees (wasi/errno.h): kNotFound ENOENT, kExists EEXIST,
// kNotDirectory ENOTDIR, kIsDirectory EISDIR, kNotEmpty ENOTEMPTY, kReadOnly EROFS, kNoSpace
// ENOSPC, kLoop ELOOP, kNameTooLong ENAMETOOLONG, kInvalid EINVAL, kBusy EBUSY, kCrossDevice EXDEV,
// kPermission EPERM, kFileTooBig EFBIG, kAccess EACCES, kIo EIO, kNotSupported ENOTSUP.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vfs/status.h"

namespace eryx::vfs {

class Mount;

using ConstBytes = std::span<const uint8_t>;
using MutableBytes = std::span<uint8_t>;

// What stat reports. Host volumes report special files (fifos, sockets, devices) as kUnknown or
// the device kinds; the in-memory tree has only directories, regular files and symlinks.
enum class FileType : uint8_t {
  kUnknown,
  kBlockDevice,
  kCharacterDevice,
  kDirectory,
  kRegularFile,
  kSymlink,
};

struct FileStat {
  FileType type = FileType::kUnknown;
  uint64_t inode = 0;  // unique within the mount; the WASI layer adds the device number
  uint64_t nlink = 1;
  uint64_t size = 0;
  uint64_t atim = 0;  // nanoseconds since the Unix epoch
  uint64_t mtim = 0;
  uint64_t ctim = 0;
};

// One fd_readdir entry. Cookies are positions: reading again from `next` continues after this
// entry, and stays valid while other entries are added or removed (a removed entry is skipped).
struct DirEntry {
  uint64_t next = 0;  // the cookie of the entry after this one
  uint64_t inode = 0;
  FileType type = FileType::kUnknown;
  std::string_view name;  // valid only during the visitor call
};

// Called for each entry in order; returns false to stop (the caller's buffer is full).
using DirEntryVisitor = std::function<bool(const DirEntry&)>;

// How Mount::open opens a path (the preview1 oflags, lookupflags and rights, decoded).
struct OpenOptions {
  bool follow = true;      // follow a symlink in the final component (kLoop when not and it is one)
  bool create = false;     // O_CREAT: create a writable regular file when absent
  bool exclusive = false;  // O_EXCL: with create, fail with kExists if the name exists (no follow)
  bool truncate = false;   // O_TRUNC (needs write access: kReadOnly on a read-only file)
  bool directory = false;  // O_DIRECTORY: the result must be a directory (kNotDirectory)
  bool read = false;       // the opener wants to read
  bool write = false;      // the opener wants to write (kReadOnly on a read-only file,
                           // kIsDirectory on a directory)
};

// An open file or directory: what a guest fd holds. All methods report Status; reads and writes
// on a directory handle are kIsDirectory, directory reads on a file handle kNotDirectory.
// Permission to read or write through the fd (rights) is the WASI layer's job; the handle only
// enforces read-only-ness of what it refers to.
class Handle {
 public:
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  virtual ~Handle() = default;

  // The mount this handle belongs to: path operations on a directory handle go to it, and its
  // address decides kCrossDevice.
  virtual Mount& mount() const = 0;
  // Fixed for the handle's life: kDirectory, kRegularFile or (host volumes) a special kind.
  virtual FileType type() const = 0;
  bool is_directory() const { return type() == FileType::kDirectory; }

  // Reads into the buffers one after the other from `offset`, stopping at the end of the file;
  // returns the number of bytes read (0 at or past the end).
  virtual Result<uint64_t> read(uint64_t offset, std::span<const MutableBytes> buffers) = 0;
  // Writes the chunks one after the other from `offset`, growing the file (a gap reads as zeros).
  // All or nothing: kNoSpace, kFileTooBig or kReadOnly leave the file unchanged.
  virtual Status write(uint64_t offset, std::span<const ConstBytes> chunks) = 0;
  // Writes the chunks at the current end of the file, atomically with respect to other writers
  // of the same mount; returns the new end (the fd's offset after an O_APPEND write).
  virtual Result<uint64_t> append(std::span<const ConstBytes> chunks) = 0;
  // The current size in bytes.
  virtual Result<uint64_t> size() = 0;
  // Truncates or zero-extends to `size`; growth counts against the quota.
  virtual Status resize(uint64_t size) = 0;
  // Grows the file to at least offset + len (never shrinks it), atomically: posix_fallocate.
  virtual Status allocate(uint64_t offset, uint64_t len) = 0;

  virtual Result<FileStat> stat() = 0;
  // Sets atime and/or mtime (nullopt: unchanged); ctime becomes now.
  virtual Status set_times(std::optional<uint64_t> atim, std::optional<uint64_t> mtim) = 0;
  // Makes written data durable where that means anything (a no-op in memory).
  virtual Status sync() = 0;

  // Calls `visit` for the entries after `cookie` (0: from the start, "." and ".." included, with
  // cookies 1 and 2), in cookie order, until it returns false or the entries run out.
  virtual Status read_directory(uint64_t cookie, const DirEntryVisitor& visit) = 0;
};

using HandlePtr = std::shared_ptr<Handle>;

// A filesystem: operations on guest paths relative to a directory handle of this mount (see the
// guarantees above). `dir` must be a directory handle from open_root() or open() of this mount.
class Mount {
 public:
  Mount() = default;
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;
  virtual ~Mount() = default;

  // A handle on the mount's root directory (a preopen fd holds it).
  virtual Result<HandlePtr> open_root() = 0;
  // Opens, and with options.create creates, the file or directory `path` names.
  virtual Result<HandlePtr> open(Handle& dir, std::string_view path,
                                 const OpenOptions& options) = 0;
  // stat of what `path` names; with follow false, a final symlink itself.
  virtual Result<FileStat> stat(Handle& dir, std::string_view path, bool follow) = 0;
  virtual Status set_times(Handle& dir, std::string_view path, bool follow,
                           std::optional<uint64_t> atim, std::optional<uint64_t> mtim) = 0;
  // mkdir: kExists when the name exists (symlinks are not followed).
  virtual Status create_directory(Handle& dir, std::string_view path) = 0;
  // rmdir: kNotEmpty, kNotDirectory; kBusy for the mount's root.
  virtual Status remove_directory(Handle& dir, std::string_view path) = 0;
  // unlink of a file or symlink (never followed): kIsDirectory for a directory.
  virtual Status unlink_file(Handle& dir, std::string_view path) = 0;
  // rename(2) within this mount: replaces a file, or an empty directory with a directory;
  // kInvalid when a directory would move below itself.
  virtual Status rename(Handle& old_dir, std::string_view old_path, Handle& new_dir,
                        std::string_view new_path) = 0;
  // A hard link within this mount: kPermission for a directory, kExists when the new name exists.
  virtual Status link(Handle& old_dir, std::string_view old_path, bool follow, Handle& new_dir,
                      std::string_view new_path) = 0;
  // Creates a symlink holding `target` as given (not checked nor resolved now; resolved within
  // this mount when followed).
  virtual Status symlink(std::string_view target, Handle& dir, std::string_view path) = 0;
  // The target of the symlink `path` names (never followed): kInvalid when not a symlink.
  virtual Result<std::string> readlink(Handle& dir, std::string_view path) = 0;
};

using MountPtr = std::shared_ptr<Mount>;

}  // namespace eryx::vfs
