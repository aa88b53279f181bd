// Reading the host files the command line names (scripts, certificates).
#pragma once

#include <optional>
#include <string>

namespace eryx::cli {

// The whole file ("-": standard input), or nullopt with `why` set (is a directory, the errno
// text, ...).
std::optional<std::string> read_host_file(const std::string& path, std::string& why);

}  // namespace eryx::cli
