#include "engine/guest_packages.h"

#include <string>

#include "eryx/errors.hpp"

namespace eryx::engine {

void place_packages(vfs::Vfs& vfs, const packages::PackageSet& set) {
  std::string root(kSandboxPackagesDir);
  if (vfs.make_dir(root, vfs::Access::kReadOnly) != vfs::Status::kOk) {
    throw Error("eryx: cannot create " + root + " in the sandbox filesystem");
  }
  for (const auto& [relative, bytes] : set.files) {
    auto path = root + "/" + relative;
    auto parent = std::string_view(path).substr(0, path.rfind('/'));
    if (vfs.make_dir(parent, vfs::Access::kReadOnly) != vfs::Status::kOk ||
        vfs.add_image_file(path, bytes) != vfs::Status::kOk) {
      throw Error("eryx: cannot place package file " + path + " in the sandbox filesystem");
    }
  }
}

void activate_packages(GuestInstance& instance) {
  // One expression: it leaves no name behind in __main__.
  std::string code = "__import__('sys').path.insert(0, '" + std::string(kSandboxPackagesDir) + "')";
  if (instance.execute(code) != ExecStatus::kOk) {
    const auto& exception = instance.state().exception;
    throw Error("eryx: cannot put the packages on sys.path" +
                (exception ? ": " + exception->traceback : std::string()));
  }
}

}  // namespace eryx::engine
