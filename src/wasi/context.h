// WasiContext: the wasi_snapshot_preview1 implementation one guest instance talks to.
//
// Guarantees (this runs untrusted code, so everything is denied unless configured):
// - Every guest pointer, length and iovec goes through GuestMemory's checks; a bad one returns
//   FAULT and nothing outside the view is read or written. Counts are capped: 1024 iovecs
//   (INVAL), 4096-byte paths (NAMETOOLONG), max_fds open fds (MFILE), 40 symlink hops (LOOP),
//   4096 poll subscriptions (INVAL). Output pointers are checked before any side effect.
// - fd 0 reads EOF, fd 1 and 2 go to OutputCapture buffers (capped) and optional handlers, and
//   none of them is a tty for wasi-libc (filetype UNKNOWN, as Wasmtime reports a non-tty stdio).
//   fd 3 is the preopen "/", the root of the private in-memory tree; further mounts (shared
//   storage, host volumes: vfs/mount.h) are preopens 4, 5, ... named by their guest path.
//   wasi-libc sends an absolute path to the preopen with the longest matching name, so "/data/x"
//   reaches the mount at "/data"; ".." never leaves a mount. path_* calls go to the mount of
//   their directory fd, and rename or link between two mounts is EXDEV. Nothing reaches the host
//   filesystem except through a mount given here; there is no socket, no environment variable
//   and no signal.
// - Every method returns a preview1 errno; none throws. std::bad_alloc becomes NOMEM, any other
//   exception (from a host callback) IO.
// - Host waits (poll_oneoff) sleep in slices of at most 10 ms and consult the interrupt check
//   between slices; when it says stop, the call returns INTR and interrupted() becomes true so the
//   engine can trap.
//
// A context belongs to one store and is used from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "vfs/tree_mount.h"
#include "vfs/vfs.h"
#include "wasi/abi.h"
#include "wasi/errno.h"
#include "wasi/fd_table.h"
#include "wasi/guest_memory.h"
#include "wasi/options.h"
#include "wasi/output_capture.h"
#include "wasi/preview1_functions.h"

namespace eryx::wasi {

inline constexpr uint32_t kMaxIovecs = 1024;
inline constexpr uint32_t kMaxPollSubscriptions = 4096;
inline constexpr uint32_t kPreopenFd = 3;

class WasiContext {
 public:
  // Throws std::invalid_argument for malformed args/env or max_fds < 4 (host configuration
  // errors, never guest actions).
  explicit WasiContext(WasiOptions options = {});
  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;
  ~WasiContext();

  // ---- wasi_snapshot_preview1: one member per function, i32 -> uint32_t, i64 -> uint64_t ----
  uint32_t args_get(GuestMemory& mem, uint32_t argv, uint32_t argv_buf);
  uint32_t args_sizes_get(GuestMemory& mem, uint32_t argc_ptr, uint32_t argv_buf_size_ptr);
  uint32_t environ_get(GuestMemory& mem, uint32_t environ, uint32_t environ_buf);
  uint32_t environ_sizes_get(GuestMemory& mem, uint32_t count_ptr, uint32_t buf_size_ptr);
  uint32_t clock_res_get(GuestMemory& mem, uint32_t clock_id, uint32_t resolution_ptr);
  uint32_t clock_time_get(GuestMemory& mem, uint32_t clock_id, uint64_t precision,
                          uint32_t time_ptr);
  uint32_t fd_advise(GuestMemory& mem, uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice);
  uint32_t fd_allocate(GuestMemory& mem, uint32_t fd, uint64_t offset, uint64_t len);
  uint32_t fd_close(GuestMemory& mem, uint32_t fd);
  uint32_t fd_datasync(GuestMemory& mem, uint32_t fd);
  uint32_t fd_fdstat_get(GuestMemory& mem, uint32_t fd, uint32_t stat_ptr);
  uint32_t fd_fdstat_set_flags(GuestMemory& mem, uint32_t fd, uint32_t flags);
  uint32_t fd_fdstat_set_rights(GuestMemory& mem, uint32_t fd, uint64_t rights_base,
                                uint64_t rights_inheriting);
  uint32_t fd_filestat_get(GuestMemory& mem, uint32_t fd, uint32_t buf_ptr);
  uint32_t fd_filestat_set_size(GuestMemory& mem, uint32_t fd, uint64_t size);
  uint32_t fd_filestat_set_times(GuestMemory& mem, uint32_t fd, uint64_t atim, uint64_t mtim,
                                 uint32_t fst_flags);
  uint32_t fd_pread(GuestMemory& mem, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                    uint64_t offset, uint32_t nread_ptr);
  uint32_t fd_prestat_get(GuestMemory& mem, uint32_t fd, uint32_t buf_ptr);
  uint32_t fd_prestat_dir_name(GuestMemory& mem, uint32_t fd, uint32_t path, uint32_t path_len);
  uint32_t fd_pwrite(GuestMemory& mem, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                     uint64_t offset, uint32_t nwritten_ptr);
  uint32_t fd_read(GuestMemory& mem, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                   uint32_t nread_ptr);
  uint32_t fd_readdir(GuestMemory& mem, uint32_t fd, uint32_t buf, uint32_t buf_len,
                      uint64_t cookie, uint32_t bufused_ptr);
  uint32_t fd_renumber(GuestMemory& mem, uint32_t fd, uint32_t to);
  uint32_t fd_seek(GuestMemory& mem, uint32_t fd, uint64_t offset, uint32_t whence,
                   uint32_t newoffset_ptr);
  uint32_t fd_sync(GuestMemory& mem, uint32_t fd);
  uint32_t fd_tell(GuestMemory& mem, uint32_t fd, uint32_t offset_ptr);
  uint32_t fd_write(GuestMemory& mem, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                    uint32_t nwritten_ptr);
  uint32_t path_create_directory(GuestMemory& mem, uint32_t fd, uint32_t path, uint32_t path_len);
  uint32_t path_filestat_get(GuestMemory& mem, uint32_t fd, uint32_t flags, uint32_t path,
                             uint32_t path_len, uint32_t buf_ptr);
  uint32_t path_filestat_set_times(GuestMemory& mem, uint32_t fd, uint32_t flags, uint32_t path,
                                   uint32_t path_len, uint64_t atim, uint64_t mtim,
                                   uint32_t fst_flags);
  uint32_t path_link(GuestMemory& mem, uint32_t old_fd, uint32_t old_flags, uint32_t old_path,
                     uint32_t old_path_len, uint32_t new_fd, uint32_t new_path,
                     uint32_t new_path_len);
  uint32_t path_open(GuestMemory& mem, uint32_t fd, uint32_t dirflags, uint32_t path,
                     uint32_t path_len, uint32_t oflags, uint64_t rights_base,
                     uint64_t rights_inheriting, uint32_t fdflags, uint32_t opened_fd_ptr);
  uint32_t path_readlink(GuestMemory& mem, uint32_t fd, uint32_t path, uint32_t path_len,
                         uint32_t buf, uint32_t buf_len, uint32_t bufused_ptr);
  uint32_t path_remove_directory(GuestMemory& mem, uint32_t fd, uint32_t path, uint32_t path_len);
  uint32_t path_rename(GuestMemory& mem, uint32_t fd, uint32_t old_path, uint32_t old_path_len,
                       uint32_t new_fd, uint32_t new_path, uint32_t new_path_len);
  uint32_t path_symlink(GuestMemory& mem, uint32_t old_path, uint32_t old_path_len, uint32_t fd,
                        uint32_t new_path, uint32_t new_path_len);
  uint32_t path_unlink_file(GuestMemory& mem, uint32_t fd, uint32_t path, uint32_t path_len);
  uint32_t poll_oneoff(GuestMemory& mem, uint32_t in, uint32_t out, uint32_t nsubscriptions,
                       uint32_t nevents_ptr);
  // Records the exit code; the engine then traps (a host function cannot return a status trap).
  void proc_exit(GuestMemory& mem, uint32_t code);
  uint32_t proc_raise(GuestMemory& mem, uint32_t sig);
  uint32_t sched_yield(GuestMemory& mem);
  uint32_t random_get(GuestMemory& mem, uint32_t buf, uint32_t buf_len);
  uint32_t sock_accept(GuestMemory& mem, uint32_t fd, uint32_t flags, uint32_t fd_ptr);
  uint32_t sock_recv(GuestMemory& mem, uint32_t fd, uint32_t ri_data, uint32_t ri_data_len,
                     uint32_t ri_flags, uint32_t ro_datalen_ptr, uint32_t ro_flags_ptr);
  uint32_t sock_send(GuestMemory& mem, uint32_t fd, uint32_t si_data, uint32_t si_data_len,
                     uint32_t si_flags, uint32_t so_datalen_ptr);
  uint32_t sock_shutdown(GuestMemory& mem, uint32_t fd, uint32_t how);

  // ---- Host side ----
  std::optional<uint32_t> exit_code() const { return exit_code_; }
  void set_interrupt_check(std::function<bool()> check) { interrupt_check_ = std::move(check); }
  void set_wake_check(std::function<bool()> check) { wake_check_ = std::move(check); }
  bool interrupted() const { return interrupted_; }
  OutputCapture& stdout_capture() { return stdout_; }
  OutputCapture& stderr_capture() { return stderr_; }
  // The private tree ("/", fd 3) and its mount.
  vfs::Vfs& vfs() { return *vfs_; }
  const std::shared_ptr<vfs::Vfs>& shared_vfs() const { return vfs_; }
  const std::shared_ptr<vfs::TreeMount>& root_mount() const { return root_mount_; }

  // Adds a mount as the next preopen (fd 4 + the number of mounts so far) and makes its mount
  // point: an empty read-only directory in the private tree, so listing its parent shows it.
  // Call it before the guest opens files (the preopens must be consecutive for wasi-libc).
  // Throws std::invalid_argument for a path that is not absolute and canonical, is "/", is
  // already a mount, lies below a writable directory of the private tree (its files are the
  // guest's and travel in snapshots) or crosses a file; std::logic_error when the fd is taken.
  void add_mount(std::string guest_path, vfs::MountPtr mount);
  const std::vector<MountPoint>& mounts() const { return mounts_; }
  // True once after the preopens changed (a mount added, an fd table restored): a guest that
  // already listed its preopens must list them again (the engine calls eryx_reset_preopens).
  bool take_preopens_changed() { return std::exchange(preopens_changed_, false); }
  void mark_preopens_changed() { preopens_changed_ = true; }
  // An extra mount's preopen fd (configuration, like the layout: never part of a state snapshot).
  bool is_mount_preopen(const FdEntry& entry) const;
  // The st_dev the guest sees for files of `mount`: 1 for the private tree, 2, 3, ... for the
  // extra mounts in order.
  uint64_t device_of(const vfs::Mount& mount) const;
  size_t open_fd_count() const { return fds_.open_count(); }
  // The fd table as is, for state snapshots (wasi/state_codec.h).
  const FdTable& fd_table() const { return fds_; }
  FdTable& fd_table() { return fds_; }
  // True when only stdin, stdout, stderr and the preopens are open, as in a new context: state
  // captured then (a snapshot, a factory) needs no fd table of its own.
  bool only_initial_fds_open() const { return open_fd_count() == 4 + mounts_.size(); }

  // A deep copy: its own private tree (file data copied, images shared) and fd table pointing at
  // the copied nodes (unlinked-but-open files included), captured output, exit code and clocks'
  // origin. Extra mounts are shared, not copied: the copy's fds on them share the handles (each
  // fd keeps its own offset). Host callbacks (interrupt check, output handlers) are not copied:
  // they usually refer to the store the original belongs to; set them on the copy. Throws
  // std::bad_alloc.
  std::unique_ptr<WasiContext> clone() const;

 private:
  struct CloneTag {};
  WasiContext(const WasiContext& source, CloneTag);

  // Clock value for a preview1 clock id, rounded to the configured resolution.
  std::optional<uint64_t> clock_now(uint32_t clock_id) const;
  // Sleeps until the monotonic deadline in slices of at most 10 ms.
  enum class SleepEnd { kDeadline, kWoken, kInterrupted };
  SleepEnd sleep_until(std::chrono::steady_clock::time_point deadline);
  // The directory handle behind `fd`: BADF when not open, NOTDIR when not a directory.
  Errno directory_fd(uint32_t fd, vfs::Handle*& out) const;
  // The directory fd and the guest path of a path_* call, both checked.
  Errno path_at(GuestMemory& mem, uint32_t fd, uint32_t path, uint32_t path_len, vfs::Handle*& dir,
                std::string_view& name) const;
  // The guest-visible filestat of a handle's stat.
  abi::Filestat to_filestat(const vfs::FileStat& stat, const vfs::Mount& mount) const;
  bool fill_random(std::span<uint8_t> out);

  WasiOptions options_;  // vfs, handlers and interrupt check moved out into the members below
  std::shared_ptr<vfs::Vfs> vfs_;
  std::shared_ptr<vfs::TreeMount> root_mount_;  // vfs_ as a mount: fd 3's
  std::vector<MountPoint> mounts_;              // the extra preopens, fd 4 onwards
  bool preopens_changed_ = false;
  FdTable fds_;
  OutputCapture stdout_;
  OutputCapture stderr_;
  std::function<bool()> interrupt_check_;
  std::function<bool()> wake_check_;
  std::optional<uint32_t> exit_code_;
  bool interrupted_ = false;
  std::chrono::steady_clock::time_point start_;  // origin of the cputime clocks
};

}  // namespace eryx::wasi
