// The packages a sandbox imports from: wheels (.whl), wasi-wheels style tarballs (.tar.gz/.tgz)
// and directories, merged into one site-packages tree of read-only in-memory files.
//
// Guarantees:
// - Sources are read and checked completely when the set is built (at Sandbox / Session /
//   SandboxFactory creation), so a bad package is an error before any code runs: archives as
//   archive_reader.h says, directories with the same name checks (symlinks inside are skipped,
//   never followed), and two sources providing one path with different bytes.
// - File bytes are shared, never copied per sandbox: every file's bytes are interned by SHA-256
//   in a process-wide cache of weak references, and archives are cached by the SHA-256 of the
//   archive, so ten sandboxes given the same wheel hold one copy of its files and decompress it
//   once. The cache holds weak references, plus the last 8 archives decoded (64 MiB at most)
//   strongly, so creating and dropping sandboxes in turn does not decompress a wheel each time;
//   everything else goes when its last user does.
// - Layout: a wheel's files go to the root of site-packages (`<name>.data/purelib|platlib/`
//   contents too; the wheel's other `.data` folders are not importable and are left out). A
//   tarball's tree under its shallowest `site-packages` folder is used when it has one (the
//   wasi-wheels layout, possibly under a top folder), else the whole archive. A directory is
//   itself the site-packages root. `__pycache__` folders of directories are left out.
// - Engine-free: no Wasm, no VFS; the engine places the files (read-only image files).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "packages/archive_reader.h"

namespace eryx::packages {

using SharedBytes = std::shared_ptr<const std::string>;

// The files of one source: paths relative to site-packages.
struct Package {
  std::string source;  // the host path, for messages
  std::vector<std::pair<std::string, SharedBytes>> files;
  std::shared_ptr<const void> keep_alive;  // the cached package this one renames, if any
};

// Reads and checks one source. Throws InvalidArgumentError (bad package, unsupported kind) or
// InitializationError (cannot read it).
std::shared_ptr<const Package> load_package(const std::filesystem::path& source,
                                            const Limits& limits = {});

struct PackageSet {
  // Every file, sorted by path, with its bytes (kept alive by the set).
  std::vector<std::pair<std::string, SharedBytes>> files;
  uint64_t total_bytes = 0;
  // The sources: holding them keeps their cache entries alive while the set is used.
  std::vector<std::shared_ptr<const Package>> sources;

  bool empty() const { return files.empty(); }
};

// `packages` then `site_packages` merged. Throws as load_package, and InvalidArgumentError when two
// sources provide a path with different bytes or the set passes the limits (total bytes, files).
std::shared_ptr<const PackageSet> load_package_set(
    const std::vector<std::filesystem::path>& packages,
    const std::optional<std::filesystem::path>& site_packages, const Limits& limits = {});

// What the process-wide cache holds now (for tests and statistics).
struct CacheStats {
  uint64_t live_files = 0;        // distinct file contents alive
  uint64_t live_file_bytes = 0;   // their bytes
  uint64_t live_archives = 0;     // archives whose files are alive
  uint64_t archives_decoded = 0;  // archives decompressed since the process started
};
CacheStats cache_stats();

}  // namespace eryx::packages
