#include "api/volumes.h"

#include <set>
#include <string_view>

#include "api/code_validation.h"
#include "eryx/errors.hpp"
#include "volumes/volume_mount.h"

namespace eryx::detail {
namespace {

void check_guest_path(const std::string& path) {
  bool ok = path.size() > 1 && path.size() < 4096 && path.front() == '/' && path.back() != '/' &&
            path.find('\0') == std::string::npos && is_valid_utf8(path);
  bool in_tmp = false;
  for (size_t i = 1; ok && i <= path.size();) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string_view name(path.data() + i, j - i);
    ok = !name.empty() && name != "." && name != ".." && name.size() <= 255;
    if (i == 1) in_tmp = name == "tmp";
    i = j + 1;
  }
  if (!ok) {
    throw InvalidArgumentError(
        "eryx: a volume's guest path must be an absolute path like /data (no '.', '..', '//' or "
        "trailing '/', not '/'), not '" +
        path + "'");
  }
  // The private tree's writable /tmp belongs to the guest (and to session snapshots).
  if (in_tmp) {
    throw InvalidArgumentError("eryx: a volume cannot be in /tmp, which is the sandbox's own: '" +
                               path + "'");
  }
}

}  // namespace

std::vector<OpenedVolume> open_volumes(const std::vector<Volume>& volumes) {
  std::vector<OpenedVolume> opened;
  std::set<std::string> guest_paths;
  for (const auto& volume : volumes) {
    check_guest_path(volume.guest_path);
    if (!guest_paths.insert(volume.guest_path).second) {
      throw InvalidArgumentError("eryx: two volumes at the guest path '" + volume.guest_path + "'");
    }
    const std::string host = volume.host_path.string();
    auto mount = volumes::open_volume_mount(
        host, {.read_only = volume.read_only, .quota_bytes = volume.max_bytes});
    if (!mount.ok()) {
      const char* why = mount.status() == vfs::Status::kNotFound ? "does not exist"
                        : mount.status() == vfs::Status::kInvalid
                            ? "is neither a directory nor a regular file"
                            : "cannot be opened";
      throw InvalidArgumentError("eryx: the host path '" + host + "' of the volume at '" +
                                 volume.guest_path + "' " + why + " (" +
                                 std::string(vfs::to_string(mount.status())) + ")");
    }
    opened.push_back({volume.guest_path, std::move(*mount)});
  }
  return opened;
}

}  // namespace eryx::detail
