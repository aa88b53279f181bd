#include "host_files.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

namespace eryx::cli {

// libstdc++ throws from inside the stream buffer on a read error such as EISDIR, whatever the
// stream's exception mask: caught here.
std::optional<std::string> read_host_file(const std::string& path, std::string& why) {
  try {
    if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      why = "is a directory";
      return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      why = std::strerror(errno);
      return std::nullopt;
    }
    std::string text(std::istreambuf_iterator<char>(in), {});
    if (in.bad()) {
      why = "read error";
      return std::nullopt;
    }
    return text;
  } catch (const std::exception& e) {
    why = e.what();
    return std::nullopt;
  }
}

}  // namespace eryx::cli
