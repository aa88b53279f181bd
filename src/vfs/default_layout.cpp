#include <stdexcept>
#include <string>

#include "vfs/vfs.h"

namespace eryx::vfs {

std::shared_ptr<Vfs> make_default_layout(std::string_view zip_name,
                                         std::shared_ptr<const std::string> zip,
                                         VfsOptions options) {
  if (!zip) return make_default_layout(zip_name, std::string_view(), nullptr, options);
  std::string_view bytes(*zip);
  return make_default_layout(zip_name, bytes, std::move(zip), options);
}

std::shared_ptr<Vfs> make_default_layout(std::string_view zip_name, std::string_view zip,
                                         std::shared_ptr<const void> owner, VfsOptions options) {
  auto vfs = std::make_shared<Vfs>(options);
  // Failures here are host bugs (a bad name), not guest actions: report them loudly.
  auto check = [](Status status, std::string_view what) {
    if (status != Status::kOk) {
      throw std::invalid_argument("eryx: default VFS layout: " + std::string(what) + ": " +
                                  std::string(to_string(status)));
    }
  };
  check(vfs->make_dir("/tmp", Access::kWritable), "/tmp");
  check(vfs->make_dir("/usr/local/lib", Access::kReadOnly), "/usr/local/lib");
  if (owner) {
    check(vfs->add_image_file("/usr/local/lib/" + std::string(zip_name), zip, std::move(owner)),
          zip_name);
  }
  return vfs;
}

}  // namespace eryx::vfs
