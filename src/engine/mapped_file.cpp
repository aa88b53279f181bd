#include "engine/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "eryx/errors.hpp"

namespace eryx::engine {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* what, int error) {
  throw InitializationError("eryx: cannot " + std::string(what) + " " + path.string() + ": " +
                            std::strerror(error));
}

// Closes the descriptor on every path out of open(): the mapping outlives it.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path) {
  Descriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) fail(path, "open", errno);
  struct stat info{};
  if (::fstat(file.fd, &info) != 0) fail(path, "stat", errno);
  if (!S_ISREG(info.st_mode)) fail(path, "map", EINVAL);
  auto size = static_cast<size_t>(info.st_size);
  // mmap refuses a zero length; an empty file is served from a static empty view.
  if (size == 0) return std::shared_ptr<const MappedFile>(new MappedFile(nullptr, 0));
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, file.fd, 0);
  if (data == MAP_FAILED) fail(path, "map", errno);
  return std::shared_ptr<const MappedFile>(new MappedFile(data, size));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace eryx::engine
