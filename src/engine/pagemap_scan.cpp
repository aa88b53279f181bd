#include "engine/pagemap_scan.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdint>

namespace eryx::engine {
namespace {

// From <linux/fs.h> of Linux 6.7; Debian bookworm's kernel headers predate it.
struct PmScanArg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted,
      category_mask, category_anyof_mask, return_mask;
};
struct PageRegion {
  uint64_t start, end, categories;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);
constexpr uint64_t kPageIsPresent = 1 << 3;

bool probe() {
  int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  alignas(4096) static thread_local char page[4096];
  page[0] = 1;  // present
  PageRegion region{};
  PmScanArg arg{};
  arg.size = sizeof arg;
  arg.start = reinterpret_cast<uintptr_t>(page);
  arg.end = arg.start + sizeof page;
  arg.vec = reinterpret_cast<uintptr_t>(&region);
  arg.vec_len = 1;
  arg.category_anyof_mask = kPageIsPresent;
  arg.return_mask = kPageIsPresent;
  bool supported = ::ioctl(fd, kPagemapScan, &arg) >= 0;
  ::close(fd);
  return supported;
}

}  // namespace

bool kernel_supports_pagemap_scan() {
  static const bool supported = probe();
  return supported;
}

}  // namespace eryx::engine
