// Lexical parsing of guest paths, before any lookup.
//
// A path is split into components with its limits checked: at most kMaxPathLength bytes, names of
// at most kMaxNameLength bytes, no NUL byte. "." and ".." are kept: they are resolved against the
// tree (vfs.h), where ".." at the root stays at the root. Nothing here ever reaches the host.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "vfs/status.h"

namespace eryx::vfs {

constexpr size_t kMaxPathLength = 4096;
constexpr size_t kMaxNameLength = 255;
constexpr int kMaxSymlinkHops = 40;

struct ParsedPath {
  bool absolute = false;                     // started with '/': resolved from the tree's root
  bool trailing_slash = false;               // "a/b/": the final node must be a directory
  std::vector<std::string_view> components;  // non-empty; views into the parsed string
};

// NotFound for "", NameTooLong past the limits, Invalid for a NUL byte.
Result<ParsedPath> parse_path(std::string_view path);

}  // namespace eryx::vfs
