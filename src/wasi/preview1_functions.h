// The complete list of wasi_snapshot_preview1 functions, in witx order. WasiContext has one
// member per name with the same spelling, so the engine can bind them all from this list and a
// test can check coverage. ERYX_WASI_PREVIEW1_FUNCTIONS(X) calls X(name) for each; proc_exit is
// the only one that does not return an errno (it returns void; the engine traps after it).
#pragma once

#include <array>
#include <string_view>

#define ERYX_WASI_PREVIEW1_FUNCTIONS(X) \
  X(args_get)                           \
  X(args_sizes_get)                     \
  X(environ_get)                        \
  X(environ_sizes_get)                  \
  X(clock_res_get)                      \
  X(clock_time_get)                     \
  X(fd_advise)                          \
  X(fd_allocate)                        \
  X(fd_close)                           \
  X(fd_datasync)                        \
  X(fd_fdstat_get)                      \
  X(fd_fdstat_set_flags)                \
  X(fd_fdstat_set_rights)               \
  X(fd_filestat_get)                    \
  X(fd_filestat_set_size)               \
  X(fd_filestat_set_times)              \
  X(fd_pread)                           \
  X(fd_prestat_get)                     \
  X(fd_prestat_dir_name)                \
  X(fd_pwrite)                          \
  X(fd_read)                            \
  X(fd_readdir)                         \
  X(fd_renumber)                        \
  X(fd_seek)                            \
  X(fd_sync)                            \
  X(fd_tell)                            \
  X(fd_write)                           \
  X(path_create_directory)              \
  X(path_filestat_get)                  \
  X(path_filestat_set_times)            \
  X(path_link)                          \
  X(path_open)                          \
  X(path_readlink)                      \
  X(path_remove_directory)              \
  X(path_rename)                        \
  X(path_symlink)                       \
  X(path_unlink_file)                   \
  X(poll_oneoff)                        \
  X(proc_exit)                          \
  X(proc_raise)                         \
  X(sched_yield)                        \
  X(random_get)                         \
  X(sock_accept)                        \
  X(sock_recv)                          \
  X(sock_send)                          \
  X(sock_shutdown)

namespace eryx::wasi {

#define ERYX_WASI_NAME_STRING(name) std::string_view(#name),
inline constexpr std::array kPreview1Functions = {
    ERYX_WASI_PREVIEW1_FUNCTIONS(ERYX_WASI_NAME_STRING)};
#undef ERYX_WASI_NAME_STRING

static_assert(kPreview1Functions.size() == 46);

}  // namespace eryx::wasi
