#include "wasi/state_codec.h"

#include <stdexcept>
#include <string>

#include "vfs/tree_codec.h"

namespace eryx::wasi {
namespace {

// The private-tree node an fd holds, or null for stdio. Throws for an fd on another mount that is
// not its preopen: shared storage and volumes are not the session's to carry.
vfs::NodePtr node_of(const WasiContext& context, uint32_t fd, const FdEntry& entry) {
  if (!entry.handle) return nullptr;
  if (&entry.handle->mount() != context.root_mount().get()) {
    throw std::runtime_error(
        "eryx: fd " + std::to_string(fd) +
        " is open on a mounted filesystem (shared storage or a volume); its files are not part "
        "of a session snapshot. Close it before taking the snapshot.");
  }
  return static_cast<const vfs::TreeHandle&>(*entry.handle).node();
}

}  // namespace

void encode_state(const WasiContext& context, codec::Writer& out) {
  const FdTable& fds = context.fd_table();
  // The restoring side puts its mounts' preopens back at these numbers: another fd renumbered
  // there could not be restored.
  for (uint32_t i = 0; i < context.mounts().size(); ++i) {
    uint32_t fd = kPreopenFd + 1 + i;
    if (const FdEntry* entry = fds.get(fd); entry && !context.is_mount_preopen(*entry)) {
      throw std::runtime_error("eryx: fd " + std::to_string(fd) +
                               " was renumbered over the mount at " +
                               context.mounts()[i].guest_path + "; it cannot be snapshotted");
    }
  }
  vfs::TreeEncoder tree(*context.shared_vfs());
  // The extra mounts' preopens are configuration, like the layout: the restoring side has its own.
  uint32_t count = 0;
  for (uint32_t fd = 0; fd < fds.max_fds(); ++fd) {
    const FdEntry* entry = fds.get(fd);
    if (!entry || context.is_mount_preopen(*entry)) continue;
    tree.add(node_of(context, fd, *entry));
    ++count;
  }
  tree.write(out);
  out.u32(count);
  for (uint32_t fd = 0; fd < fds.max_fds(); ++fd) {
    const FdEntry* entry = fds.get(fd);
    if (!entry || context.is_mount_preopen(*entry)) continue;
    out.u32(fd);
    out.u8(static_cast<uint8_t>(entry->kind));
    out.u64(entry->offset);
    out.u16(entry->fdflags);
    out.u64(entry->rights_base);
    out.u64(entry->rights_inheriting);
    out.bytes(entry->preopen_name);
    tree.write_ref(out, node_of(context, fd, *entry));
  }
}

void decode_state(codec::Reader& in, WasiContext& context) {
  vfs::TreeDecoder tree(in, context.vfs());
  FdTable& fds = context.fd_table();
  // Every fd goes but the extra mounts' preopens, which are this context's configuration.
  for (uint32_t fd = 0; fd < fds.max_fds(); ++fd) {
    if (const FdEntry* entry = fds.get(fd); entry && !context.is_mount_preopen(*entry)) {
      fds.close(fd);
    }
  }
  for (uint32_t n = in.u32(), i = 0; i < n; ++i) {
    uint32_t fd = in.u32();
    uint8_t kind = in.u8();
    FdEntry entry;
    entry.offset = in.u64();
    entry.fdflags = in.u16();
    entry.rights_base = in.u64();
    entry.rights_inheriting = in.u64();
    entry.preopen_name = std::string(in.bytes(vfs::kMaxPathLength, "a preopen name"));
    vfs::NodePtr node = tree.read_ref(in);
    // The node must be what the kind says: syscalls rely on it. Rights need no check: the VFS
    // refuses changes to read-only nodes whatever an fd's rights claim.
    bool node_fits = false;
    switch (static_cast<FdKind>(kind)) {
      case FdKind::kStdin:
      case FdKind::kStdout:
      case FdKind::kStderr:
        node_fits = !node;
        break;
      case FdKind::kFile:
        node_fits = node && node->is_file();
        break;
      case FdKind::kDirectory:
        node_fits = node && node->is_directory();
        break;
    }
    if (!node_fits) throw codec::DecodeError("invalid file descriptor");
    if (!entry.preopen_name.empty() && static_cast<FdKind>(kind) != FdKind::kDirectory) {
      throw codec::DecodeError("invalid preopen");
    }
    entry.kind = static_cast<FdKind>(kind);
    if (node) entry.handle = *context.root_mount()->handle_for(std::move(node));
    if (fds.get(fd) && context.is_mount_preopen(*fds.get(fd))) {
      throw codec::DecodeError("fd " + std::to_string(fd) +
                               " of the snapshot is where this session mounts " +
                               fds.get(fd)->preopen_name);
    }
    if (!fds.insert_at(fd, std::move(entry))) {
      throw codec::DecodeError("invalid or duplicate file descriptor number");
    }
  }
  // The guest's list of preopens came with its memory: it may name other mounts than these.
  context.mark_preopens_changed();
}

}  // namespace eryx::wasi
