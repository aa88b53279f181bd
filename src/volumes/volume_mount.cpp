#include "volumes/volume_mount.h"

#include <utility>

namespace eryx::volumes {
namespace {

vfs::FileType to_vfs(FileType type) {
  switch (type) {
    case FileType::kDirectory:
      return vfs::FileType::kDirectory;
    case FileType::kRegularFile:
      return vfs::FileType::kRegularFile;
    case FileType::kSymlink:
      return vfs::FileType::kSymlink;
    case FileType::kBlockDevice:
      return vfs::FileType::kBlockDevice;
    case FileType::kCharacterDevice:
      return vfs::FileType::kCharacterDevice;
    case FileType::kOther:
      break;
  }
  return vfs::FileType::kUnknown;
}

vfs::FileStat to_vfs(const FileStat& st) {
  return {.type = to_vfs(st.type),
          .inode = st.ino,
          .nlink = st.nlink,
          .size = st.size,
          .atim = st.atim_ns,
          .mtim = st.mtim_ns,
          .ctim = st.ctim_ns};
}

TimeSpec time_of(std::optional<uint64_t> ns) {
  if (!ns) return {};
  return {TimeSpec::Kind::kSet, *ns};
}

// True when every component is "", "." or "..": in a single-file volume, the file itself.
bool names_the_root(std::string_view path) {
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (!part.empty() && part != "." && part != "..") return false;
    i = j + 1;
  }
  return true;
}

// A guest fd on a volume. `file_` is null for the root holder of a single-file volume.
class VolumeHandle final : public vfs::Handle {
 public:
  VolumeHandle(std::shared_ptr<VolumeMount> mount, HandlePtr file)
      : mount_(std::move(mount)), file_(std::move(file)) {}

  vfs::Mount& mount() const override { return *mount_; }
  vfs::FileType type() const override {
    return file_ ? to_vfs(file_->type()) : vfs::FileType::kDirectory;
  }
  volumes::Handle* core() const { return file_.get(); }

  vfs::Result<uint64_t> read(uint64_t offset, std::span<const vfs::MutableBytes> buffers) override {
    if (!file_) return vfs::Status::kIsDirectory;
    return file_->read_at(offset, buffers);
  }
  vfs::Status write(uint64_t offset, std::span<const vfs::ConstBytes> chunks) override {
    if (!file_) return vfs::Status::kIsDirectory;
    auto written = file_->write_at(offset, chunks);
    return written.ok() ? vfs::Status::kOk : written.status();
  }
  vfs::Result<uint64_t> append(std::span<const vfs::ConstBytes> chunks) override {
    if (!file_) return vfs::Status::kIsDirectory;
    return file_->append(chunks);
  }
  vfs::Result<uint64_t> size() override {
    if (!file_) return uint64_t{0};
    auto st = file_->stat();
    if (!st.ok()) return st.status();
    return st->size;
  }
  vfs::Status resize(uint64_t new_size) override {
    if (!file_) return vfs::Status::kIsDirectory;
    return file_->truncate(new_size);
  }
  vfs::Status allocate(uint64_t offset, uint64_t len) override {
    if (!file_) return vfs::Status::kIsDirectory;
    return file_->allocate(offset, len);
  }
  vfs::Result<vfs::FileStat> stat() override {
    if (!file_) return vfs::FileStat{.type = vfs::FileType::kDirectory, .nlink = 1};
    auto st = file_->stat();
    if (!st.ok()) return st.status();
    return to_vfs(*st);
  }
  vfs::Status set_times(std::optional<uint64_t> atim, std::optional<uint64_t> mtim) override {
    if (!file_) return mount_->volume()->read_only() ? vfs::Status::kReadOnly : vfs::Status::kOk;
    return file_->set_times(time_of(atim), time_of(mtim));
  }
  vfs::Status sync() override { return file_ ? file_->sync() : vfs::Status::kOk; }
  vfs::Status read_directory(uint64_t cookie, const vfs::DirEntryVisitor& visit) override {
    if (!file_) {
      // The holder of a single file lists nothing but itself and its parent.
      if (cookie == 0 && !visit({.next = 1, .type = vfs::FileType::kDirectory, .name = "."})) {
        return vfs::Status::kOk;
      }
      if (cookie <= 1) visit({.next = 2, .type = vfs::FileType::kDirectory, .name = ".."});
      return vfs::Status::kOk;
    }
    return file_->read_dir_from(
        cookie, [&](uint64_t next, uint64_t ino, FileType type, std::string_view name) {
          return visit({.next = next, .inode = ino, .type = to_vfs(type), .name = name});
        });
  }

 private:
  std::shared_ptr<VolumeMount> mount_;
  HandlePtr file_;
};

// The core handle behind a directory handle of this mount (null: the root).
const volumes::Handle* dir_of(vfs::Handle& dir) { return static_cast<VolumeHandle&>(dir).core(); }

OpenFlags flags_of(const vfs::OpenOptions& options) {
  return {.write = options.write,
          .create = options.create,
          .exclusive = options.exclusive,
          .truncate = options.truncate,
          .directory = options.directory,
          .follow = options.follow};
}

// A change a read-only volume refuses, and in a single-file volume every change but to the
// file's contents (nothing can be added or removed beside it); nullopt: the volume decides.
std::optional<vfs::Status> refuse_change(const HostVolume& volume, std::string_view path) {
  if (volume.read_only()) return vfs::Status::kReadOnly;
  if (volume.is_file()) return names_the_root(path) ? vfs::Status::kBusy : vfs::Status::kPermission;
  return std::nullopt;
}

}  // namespace

vfs::Result<vfs::HandlePtr> VolumeMount::open_root() {
  if (volume_->is_file()) {
    return vfs::HandlePtr(std::make_shared<VolumeHandle>(shared_from_this(), nullptr));
  }
  auto root = volume_->open_root({});
  if (!root.ok()) return root.status();
  return vfs::HandlePtr(std::make_shared<VolumeHandle>(shared_from_this(), std::move(*root)));
}

vfs::Result<vfs::HandlePtr> VolumeMount::open(vfs::Handle& dir, std::string_view path,
                                              const vfs::OpenOptions& options) {
  Result<HandlePtr> opened = Status::kNotFound;
  if (volume_->is_file()) {
    if (!names_the_root(path)) return Status::kNotFound;
    if (options.exclusive && options.create) return Status::kExists;
    opened = volume_->open_root(flags_of(options));
  } else {
    opened = volume_->open(dir_of(dir), path, flags_of(options));
  }
  if (!opened.ok()) return opened.status();
  return vfs::HandlePtr(std::make_shared<VolumeHandle>(shared_from_this(), std::move(*opened)));
}

vfs::Result<vfs::FileStat> VolumeMount::stat(vfs::Handle& dir, std::string_view path, bool follow) {
  auto st = volume_->is_file() ? (names_the_root(path) ? volume_->stat_root()
                                                       : Result<FileStat>(Status::kNotFound))
                               : volume_->stat(dir_of(dir), path, follow);
  if (!st.ok()) return st.status();
  return to_vfs(*st);
}

vfs::Status VolumeMount::set_times(vfs::Handle& dir, std::string_view path, bool follow,
                                   std::optional<uint64_t> atim, std::optional<uint64_t> mtim) {
  if (volume_->read_only()) return Status::kReadOnly;
  if (volume_->is_file()) {
    if (!names_the_root(path)) return Status::kNotFound;
    auto file = volume_->open_root({});
    if (!file.ok()) return file.status();
    return (*file)->set_times(time_of(atim), time_of(mtim));
  }
  return volume_->set_times(dir_of(dir), path, follow, time_of(atim), time_of(mtim));
}

vfs::Status VolumeMount::create_directory(vfs::Handle& dir, std::string_view path) {
  if (volume_->is_file() && names_the_root(path)) return Status::kExists;
  if (auto refused = refuse_change(*volume_, path)) return *refused;
  return volume_->mkdir(dir_of(dir), path);
}

vfs::Status VolumeMount::remove_directory(vfs::Handle& dir, std::string_view path) {
  if (auto refused = refuse_change(*volume_, path)) return *refused;
  return volume_->rmdir(dir_of(dir), path);
}

vfs::Status VolumeMount::unlink_file(vfs::Handle& dir, std::string_view path) {
  if (auto refused = refuse_change(*volume_, path)) return *refused;
  return volume_->unlink(dir_of(dir), path);
}

vfs::Status VolumeMount::rename(vfs::Handle& old_dir, std::string_view old_path,
                                vfs::Handle& new_dir, std::string_view new_path) {
  if (auto refused = refuse_change(*volume_, old_path)) return *refused;
  return volume_->rename(dir_of(old_dir), old_path, dir_of(new_dir), new_path);
}

vfs::Status VolumeMount::link(vfs::Handle& old_dir, std::string_view old_path, bool follow,
                              vfs::Handle& new_dir, std::string_view new_path) {
  if (auto refused = refuse_change(*volume_, new_path)) return *refused;
  return volume_->link(dir_of(old_dir), old_path, follow, dir_of(new_dir), new_path);
}

vfs::Status VolumeMount::symlink(std::string_view target, vfs::Handle& dir, std::string_view path) {
  if (auto refused = refuse_change(*volume_, path)) return *refused;
  return volume_->symlink(target, dir_of(dir), path);
}

vfs::Result<std::string> VolumeMount::readlink(vfs::Handle& dir, std::string_view path) {
  if (volume_->is_file()) return names_the_root(path) ? Status::kInvalid : Status::kNotFound;
  return volume_->readlink(dir_of(dir), path);
}

vfs::Result<std::shared_ptr<VolumeMount>> open_volume_mount(std::string_view host_path,
                                                            VolumeOptions options) {
  auto volume = HostVolume::open(host_path, options);
  if (!volume.ok()) return volume.status();
  return std::make_shared<VolumeMount>(std::move(*volume));
}

}  // namespace eryx::volumes
