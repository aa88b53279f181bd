// Sequences of WASI file calls by two guests sharing one storage mount (as two Sessions mounting
// one eryx::VfsStorage do), besides their private trees. Paths are built from a small alphabet of
// components ("a", "b", "..", ".", "/", long and odd names) so the calls meet existing files,
// symlinks, mount roots and both mounts on one call (rename, link: EXDEV).
//
// Input: operations, each a u8 opcode then operands (past the end every value is 0):
//   op % 16: 0 open | 1 mkdir | 2 rmdir | 3 unlink | 4 rename | 5 link | 6 symlink | 7 readlink
//            | 8 stat | 9 write | 10 pwrite | 11 read | 12 seek/allocate/truncate | 13 readdir
//            | 14 close/renumber | 15 copy the guest (clone) or snapshot its private state
//   op / 16 & 1 picks the guest. Directory fds are u8 % 6 (3 the private root, 4 the storage, 5
//   the second storage mount, others whatever is open there); paths are u8 component counts then
//   u8 component choices.
// Invariants, after every call: errnos are preview1's, the storage stays within its quota and
// entry limit; at the end, with every guest gone, the storage's byte and entry counts equal what a
// walk of its tree finds (no accounting leak through handles, renames, unlinks or copies).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "fuzz_support.h"
#include "vfs/tree_mount.h"

namespace {

using eryx::fuzz::Input;
using eryx::wasi::GuestMemory;
using eryx::wasi::WasiContext;
namespace abi = eryx::wasi::abi;
namespace vfs = eryx::vfs;

constexpr size_t kMemorySize = 64 * 1024;
constexpr uint32_t kLastErrno = 76;
constexpr uint64_t kStorageQuota = 64 * 1024;
constexpr uint64_t kStorageEntries = 256;
constexpr uint32_t kPath = 0x100, kPath2 = 0x1200, kOut = 0x40, kIov = 0x80, kBuf = 0x2400;

const char* const kComponents[] = {"a",    "b",   "c",    "..",  ".",        "",   "f.txt",
                                   "data", "tmp", "deep", "x y", "\xff\xfe", "a/b"};

std::string path_of(Input& in) {
  std::string path;
  int n = in.get<uint8_t>() % 6;
  if (in.get<uint8_t>() & 1) path = "/";
  for (int i = 0; i < n; ++i) {
    uint8_t pick = in.get<uint8_t>();
    if (pick == 0xFF) {
      path += std::string(260, 'L');  // past the name limit
    } else {
      path += kComponents[pick % std::size(kComponents)];
    }
    if (i + 1 < n) path += '/';
  }
  if (in.get<uint8_t>() == 0xEE) path += '/';
  return path;
}

struct Guest {
  std::unique_ptr<WasiContext> context;
  std::vector<uint8_t> bytes = std::vector<uint8_t>(kMemorySize);
  GuestMemory mem{bytes.data(), bytes.size()};

  uint32_t put_path(uint32_t at, const std::string& path) {
    size_t n = std::min<size_t>(path.size(), 0x1000);
    std::memcpy(bytes.data() + at, path.data(), n);
    return static_cast<uint32_t>(n);
  }
  uint32_t out32() const {
    uint32_t v;
    std::memcpy(&v, bytes.data() + kOut, 4);
    return v;
  }
};

std::unique_ptr<WasiContext> make_guest(const std::shared_ptr<vfs::TreeMount>& storage) {
  auto context = eryx::fuzz::fresh_context(16);
  context->add_mount("/data", storage);
  context->add_mount("/mnt/other", storage);  // the same storage twice: one device, two preopens
  return context;
}

void check(uint32_t result) {
  if (result > kLastErrno) eryx::fuzz::fail("a syscall returned no preview1 errno");
}

void check_storage(const vfs::Vfs& tree) {
  if (tree.used_bytes() > kStorageQuota) eryx::fuzz::fail("storage past its byte quota");
  if (tree.entry_count() > kStorageEntries) eryx::fuzz::fail("storage past its entry limit");
}

// Entries (names) reachable from the root, and the bytes of the distinct nodes they name (a file or
// symlink with several hard links counts once, as the accounting charges it once).
void walk(const vfs::DirPtr& root, uint64_t& bytes, uint64_t& entries) {
  std::unordered_set<const vfs::Node*> seen;
  std::vector<vfs::DirPtr> pending{root};
  while (!pending.empty()) {
    auto dir = std::move(pending.back());
    pending.pop_back();
    dir->visit_from(0, [&](uint64_t, const vfs::Directory::Entry& entry) {
      ++entries;
      const vfs::Node& node = *entry.node;
      if (node.is_directory()) {
        pending.push_back(std::static_pointer_cast<vfs::Directory>(entry.node));
      } else if (seen.insert(&node).second) {
        bytes += node.is_file() ? static_cast<const vfs::File&>(node).size()
                                : static_cast<const vfs::Symlink&>(node).target().size();
      }
      return true;
    });
  }
}

void operate(Guest& g, uint8_t op, Input& in) {
  WasiContext& c = *g.context;
  GuestMemory& m = g.mem;
  uint32_t dir = in.get<uint8_t>() % 6 + 3;
  std::string path = path_of(in);
  uint32_t len = g.put_path(kPath, path);
  uint32_t fd = in.get<uint8_t>() % 10;
  switch (op) {
    case 0: {
      uint32_t oflags = in.get<uint8_t>() & 0xF;
      uint64_t rights = (in.get<uint8_t>() & 1) ? abi::kRightsAll : abi::kRightFdRead;
      uint32_t fdflags = in.get<uint8_t>() & 1 ? abi::kFdflagAppend : 0;
      check(c.path_open(m, dir, abi::kLookupSymlinkFollow * (in.get<uint8_t>() & 1), kPath, len,
                        oflags, rights, abi::kRightsAll, fdflags, kOut));
      break;
    }
    case 1:
      check(c.path_create_directory(m, dir, kPath, len));
      break;
    case 2:
      check(c.path_remove_directory(m, dir, kPath, len));
      break;
    case 3:
      check(c.path_unlink_file(m, dir, kPath, len));
      break;
    case 4:
    case 5: {
      uint32_t dir2 = in.get<uint8_t>() % 6 + 3;
      uint32_t len2 = g.put_path(kPath2, path_of(in));
      check(op == 4 ? c.path_rename(m, dir, kPath, len, dir2, kPath2, len2)
                    : c.path_link(m, dir, 0, kPath, len, dir2, kPath2, len2));
      break;
    }
    case 6: {
      uint32_t len2 = g.put_path(kPath2, path_of(in));
      check(c.path_symlink(m, kPath2, len2, dir, kPath, len));
      break;
    }
    case 7:
      check(c.path_readlink(m, dir, kPath, len, kBuf, 64, kOut));
      break;
    case 8:
      check(c.path_filestat_get(m, dir, in.get<uint8_t>() & 1, kPath, len, kBuf));
      break;
    case 9:
    case 10:
    case 11: {
      abi::Iovec iov{kBuf, static_cast<uint32_t>(in.get<uint16_t>() % 8192)};
      std::memcpy(g.bytes.data() + kIov, &iov, sizeof iov);
      uint64_t offset = in.get<uint8_t>() < 0xF0 ? in.get<uint16_t>() : in.get<uint64_t>();
      if (op == 9) check(c.fd_write(m, fd, kIov, 1, kOut));
      if (op == 10) check(c.fd_pwrite(m, fd, kIov, 1, offset, kOut));
      if (op == 11) check(c.fd_read(m, fd, kIov, 1, kOut));
      break;
    }
    case 12: {
      uint64_t value = in.get<uint8_t>() < 0xF0 ? in.get<uint16_t>() : in.get<uint64_t>();
      switch (in.get<uint8_t>() % 3) {
        case 0:
          check(c.fd_seek(m, fd, value, in.get<uint8_t>() % 3, kOut));
          break;
        case 1:
          check(c.fd_allocate(m, fd, value, in.get<uint16_t>()));
          break;
        default:
          check(c.fd_filestat_set_size(m, fd, value));
      }
      break;
    }
    case 13:
      check(c.fd_readdir(m, fd, kBuf, in.get<uint16_t>() % 4096, in.get<uint8_t>(), kOut));
      break;
    case 14:
      if (in.get<uint8_t>() & 1) {
        check(c.fd_close(m, fd));
      } else {
        check(c.fd_renumber(m, fd, in.get<uint8_t>() % 10));
      }
      break;
    case 15:
      if (in.get<uint8_t>() & 1) {
        g.context = c.clone();
        g.context->set_interrupt_check([] { return true; });
      } else {
        eryx::codec::Writer out;
        try {
          eryx::wasi::encode_state(c, out);
        } catch (const std::runtime_error&) {
          break;  // a file open on the storage: refused, as Session.snapshot() reports
        }
        auto restored = eryx::fuzz::fresh_context(16);
        for (const auto& point : c.mounts()) restored->add_mount(point.guest_path, point.mount);
        eryx::codec::Reader reader(out.str());
        try {
          eryx::wasi::decode_state(reader, *restored);
        } catch (const std::exception&) {
          eryx::fuzz::fail("a live guest's state does not restore");
        }
        g.context = std::move(restored);
      }
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  auto tree = std::make_shared<vfs::Vfs>(
      vfs::VfsOptions{.quota_bytes = kStorageQuota, .max_entries = kStorageEntries});
  tree->root()->set_read_only(false);
  auto storage = vfs::TreeMount::make(tree, /*locked=*/true);
  {
    Guest guests[2];
    for (auto& g : guests) g.context = make_guest(storage);
    while (!in.empty()) {
      uint8_t op = in.get<uint8_t>();
      operate(guests[(op >> 4) & 1], op & 15, in);
      check_storage(*tree);
    }
  }
  // Every guest is gone: what is counted is exactly what the tree holds.
  uint64_t bytes = 0, entries = 0;
  walk(tree->root(), bytes, entries);
  if (entries != tree->entry_count()) eryx::fuzz::fail("storage entry count leaked");
  if (bytes != tree->used_bytes()) eryx::fuzz::fail("storage byte count leaked");
  return 0;
}
