// Reads a package archive (.whl zip, or a gzip-compressed tar) held in memory into a list of
// regular files, with libarchive doing the decoding.
//
// Guarantees (an archive is untrusted input):
// - Every entry is checked before any of it is used, and a bad one throws InvalidArgumentError
//   naming the archive and the entry: names that are absolute, hold a ".." component or a
//   backslash, a NUL byte, invalid UTF-8, or exceed the name/path lengths; symlinks, hard links,
//   devices, FIFOs and sockets; duplicate names (also a file where another entry needs a
//   directory); more than Limits::max_entries entries; native extensions (.so, .pyd, .dylib).
// - Decompression is bounded by counting the bytes actually produced (sizes in headers are not
//   trusted): one entry past max_entry_bytes, the archive past max_total_bytes, or past
//   max_ratio times the archive's own size (a zip bomb), stops reading at once.
// - Nothing here touches the filesystem or the engine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace eryx::packages {

struct Limits {
  uint64_t max_archive_bytes = 256ull * 1024 * 1024;  // size of one archive file
  uint64_t max_entry_bytes = 64ull * 1024 * 1024;     // uncompressed bytes of one entry
  uint64_t max_total_bytes = 512ull * 1024 * 1024;    // uncompressed bytes of an archive / a set
  uint64_t max_entries = 20'000;                      // entries of one archive, files of a set
  // Uncompressed bytes per archive byte; checked once the output passes kRatioFloorBytes, so small
  // archives of very repetitive text are not refused.
  uint64_t max_ratio = 100;
};
constexpr uint64_t kRatioFloorBytes = 1024 * 1024;
constexpr size_t kMaxNameBytes = 255;   // one path component (the VFS's limit)
constexpr size_t kMaxPathBytes = 1024;  // a whole relative path

enum class ArchiveKind { kZip, kTarGz };

struct ArchiveFile {
  std::string path;  // relative, normalised ("a/b.py": no ".", no empty components)
  std::string bytes;
};

// The regular files of the archive, in archive order (directory entries are implied by the paths
// and dropped). `name` names the archive in messages. Throws InvalidArgumentError.
std::vector<ArchiveFile> read_archive(std::string_view name, std::string_view bytes,
                                      ArchiveKind kind, const Limits& limits = {});

// Checks one relative entry name and returns it normalised (leading "./" and "." components
// dropped, a trailing "/" kept off). Empty result: the name is the archive's root. Throws
// InvalidArgumentError naming `archive` and the entry. Used for directories on disk too.
std::string normalise_entry_name(std::string_view archive, std::string_view name);

// True for the file names of native extension modules and shared libraries.
bool is_native_library(std::string_view path);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace eryx::packages
