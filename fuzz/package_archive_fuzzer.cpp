// The package archive reader (packages/archive_reader.h) on arbitrary bytes: the first byte picks
// zip or gzip-compressed tar, the rest is the archive. Bad archives must be refused with
// InvalidArgumentError; what is accepted must be a set of distinct, normalised relative paths
// within the limits.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "eryx/errors.hpp"
#include "fuzz_support.h"
#include "packages/archive_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace eryx::packages;
  auto kind = data[0] % 2 == 0 ? ArchiveKind::kZip : ArchiveKind::kTarGz;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const Limits limits{.max_archive_bytes = 1 << 20,
                      .max_entry_bytes = 1 << 20,
                      .max_total_bytes = 4 << 20,
                      .max_entries = 256,
                      .max_ratio = 100};
  std::vector<ArchiveFile> files;
  try {
    files = read_archive("fuzz", bytes, kind, limits);
  } catch (const eryx::InvalidArgumentError&) {
    return 0;
  }
  std::set<std::string> seen;
  uint64_t total = 0;
  for (const auto& file : files) {
    if (file.path.empty() || file.path.starts_with('/') || file.path.ends_with('/') ||
        normalise_entry_name("fuzz", file.path) != file.path || is_native_library(file.path)) {
      eryx::fuzz::fail("an accepted path is not normalised, or is a native library");
    }
    if (!seen.insert(file.path).second) eryx::fuzz::fail("an accepted archive has a duplicate");
    if (file.bytes.size() > limits.max_entry_bytes) eryx::fuzz::fail("an entry passed its cap");
    total += file.bytes.size();
  }
  if (files.size() > limits.max_entries || total > limits.max_total_bytes) {
    eryx::fuzz::fail("an accepted archive passed the limits");
  }
  return 0;
}
