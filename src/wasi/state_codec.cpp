#include "wasi/state_codec.h"

#include "vfs/tree_codec.h"

namespace eryx::wasi {

void encode_state(const WasiContext& context, codec::Writer& out) {
  const FdTable& fds = context.fd_table();
  vfs::TreeEncoder tree(*context.shared_vfs());
  for (uint32_t fd = 0; fd < fds.max_fds(); ++fd) {
    if (const FdEntry* entry = fds.get(fd)) tree.add(entry->node);
  }
  tree.write(out);
  out.u32(static_cast<uint32_t>(fds.open_count()));
  for (uint32_t fd = 0; fd < fds.max_fds(); ++fd) {
    const FdEntry* entry = fds.get(fd);
    if (!entry) continue;
    out.u32(fd);
    out.u8(static_cast<uint8_t>(entry->kind));
    out.u64(entry->offset);
    out.u16(entry->fdflags);
    out.u64(entry->rights_base);
    out.u64(entry->rights_inheriting);
    out.bytes(entry->preopen_name);
    tree.write_ref(out, entry->node);
  }
}

void decode_state(codec::Reader& in, WasiContext& context) {
  vfs::TreeDecoder tree(in, context.vfs());
  FdTable& fds = context.fd_table();
  for (uint32_t fd = 0; fd < fds.max_fds(); ++fd) fds.close(fd);
  for (uint32_t n = in.u32(), i = 0; i < n; ++i) {
    uint32_t fd = in.u32();
    uint8_t kind = in.u8();
    FdEntry entry;
    entry.offset = in.u64();
    entry.fdflags = in.u16();
    entry.rights_base = in.u64();
    entry.rights_inheriting = in.u64();
    entry.preopen_name = std::string(in.bytes(vfs::kMaxPathLength, "a preopen name"));
    entry.node = tree.read_ref(in);
    // The node must be what the kind says: syscalls cast it without looking. Rights need no check:
    // the VFS refuses changes to read-only nodes whatever an fd's rights claim.
    bool node_fits = false;
    switch (static_cast<FdKind>(kind)) {
      case FdKind::kStdin:
      case FdKind::kStdout:
      case FdKind::kStderr:
        node_fits = !entry.node;
        break;
      case FdKind::kFile:
        node_fits = entry.node && entry.node->is_file();
        break;
      case FdKind::kDirectory:
        node_fits = entry.node && entry.node->is_directory();
        break;
    }
    if (!node_fits) throw codec::DecodeError("invalid file descriptor");
    if (!entry.preopen_name.empty() && static_cast<FdKind>(kind) != FdKind::kDirectory) {
      throw codec::DecodeError("invalid preopen");
    }
    entry.kind = static_cast<FdKind>(kind);
    if (!fds.insert_at(fd, std::move(entry))) {
      throw codec::DecodeError("invalid or duplicate file descriptor number");
    }
  }
}

}  // namespace eryx::wasi
