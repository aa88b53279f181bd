// A read-only file mapped into the host's address space.
//
// The stdlib image (7 MB) is served to every sandbox from one mapping: reading it into a buffer
// cost a zeroed allocation plus a copy, about a third of a fresh process's start, while a mapping
// costs one mmap and pages in only what the guests read (the zip's index and the modules they
// import). The file must not be truncated while mapped (as with any mapped executable or library);
// the build replaces guest files rather than rewriting them in place.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

namespace eryx::engine {

class MappedFile {
 public:
  // Maps `path` read-only. Throws InitializationError when it cannot be opened or mapped.
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  MappedFile(void* data, size_t size) : data_(data), size_(size) {}

  void* data_;
  size_t size_;
};

}  // namespace eryx::engine
