#include "vfs/path.h"

namespace eryx::vfs {

Result<ParsedPath> parse_path(std::string_view path) {
  if (path.empty()) return Status::kNotFound;
  if (path.size() > kMaxPathLength) return Status::kNameTooLong;
  if (path.find('\0') != std::string_view::npos) return Status::kInvalid;
  ParsedPath parsed;
  parsed.absolute = path.front() == '/';
  parsed.trailing_slash = path.size() > 1 && path.back() == '/';
  size_t pos = 0;
  while (pos < path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    if (end > pos) {
      if (end - pos > kMaxNameLength) return Status::kNameTooLong;
      parsed.components.push_back(path.substr(pos, end - pos));
    }
    pos = end + 1;
  }
  return parsed;
}

}  // namespace eryx::vfs
