// A host volume as a vfs::Mount: what the WASI layer sees of a host directory or file.
//
// Guarantees (beyond those of vfs/mount.h and volumes/host_volume.h):
// - Every call goes to a HostVolume, so confinement, read-only-ness and the quota are the
//   volume's: this file only translates types.
// - A single-file volume is mounted at the file's own guest path: its root is a directory-like
//   holder whose "." (and "/", and ".." which stays at the root) is the file; every other name is
//   absent (kNotFound) and nothing can be created beside it, so its siblings on the host stay
//   invisible. (wasi-libc turns the guest path of a preopen into "." relative to that preopen.)
#pragma once

#include <memory>
#include <string_view>

#include "vfs/mount.h"
#include "volumes/host_volume.h"

namespace eryx::volumes {

class VolumeMount final : public vfs::Mount, public std::enable_shared_from_this<VolumeMount> {
 public:
  explicit VolumeMount(std::shared_ptr<HostVolume> volume) : volume_(std::move(volume)) {}

  const std::shared_ptr<HostVolume>& volume() const { return volume_; }

  vfs::Result<vfs::HandlePtr> open_root() override;
  vfs::Result<vfs::HandlePtr> open(vfs::Handle& dir, std::string_view path,
                                   const vfs::OpenOptions& options) override;
  vfs::Result<vfs::FileStat> stat(vfs::Handle& dir, std::string_view path, bool follow) override;
  vfs::Status set_times(vfs::Handle& dir, std::string_view path, bool follow,
                        std::optional<uint64_t> atim, std::optional<uint64_t> mtim) override;
  vfs::Status create_directory(vfs::Handle& dir, std::string_view path) override;
  vfs::Status remove_directory(vfs::Handle& dir, std::string_view path) override;
  vfs::Status unlink_file(vfs::Handle& dir, std::string_view path) override;
  vfs::Status rename(vfs::Handle& old_dir, std::string_view old_path, vfs::Handle& new_dir,
                     std::string_view new_path) override;
  vfs::Status link(vfs::Handle& old_dir, std::string_view old_path, bool follow,
                   vfs::Handle& new_dir, std::string_view new_path) override;
  vfs::Status symlink(std::string_view target, vfs::Handle& dir, std::string_view path) override;
  vfs::Result<std::string> readlink(vfs::Handle& dir, std::string_view path) override;

 private:
  std::shared_ptr<HostVolume> volume_;
};

// Opens the host path as a volume mount; NotFound / Invalid as HostVolume::open.
vfs::Result<std::shared_ptr<VolumeMount>> open_volume_mount(std::string_view host_path,
                                                            VolumeOptions options);

}  // namespace eryx::volumes
