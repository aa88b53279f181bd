// Serialisation of a WasiContext's host-side state for session snapshots: what a resumed
// interpreter finds outside its memory. That is the guest-writable part of the filesystem
// (vfs/tree_codec.h) and the whole fd table, so files open in the interpreter (in /tmp, or
// read-only ones of the layout) stay open at the same offsets.
//
// Not written: output captures (reset per execution), the exit code (a context that has one belongs
// to an interpreter that is gone), the cputime clocks' origin (process-local), and the
// configuration (args, environment, limits, the read-only layout, the extra mounts and their
// preopen fds), which the restoring side's fresh context already has. Shared storage and volumes
// are never part of the state: an fd open on one of their files cannot be encoded.
//
// Format (little-endian): tree | u32 n | n x (u32 fd | u8 kind | u64 offset | u16 fdflags |
//   u64 rights_base | u64 rights_inheriting | bytes preopen_name | node reference)
#pragma once

#include "vfs/byte_codec.h"
#include "wasi/context.h"

namespace eryx::wasi {

// Throws std::runtime_error when the filesystem holds something the format cannot express, or an
// fd other than a preopen is open on an extra mount.
void encode_state(const WasiContext& context, codec::Writer& out);

// Fills `context` (a fresh context with the same layout, its writable directories empty) with an
// encoded state: the writable files, and an fd table that replaces its own. Throws
// codec::DecodeError for malformed input, vfs::TreeTooLarge when the files do not fit the VFS quota
// (set it first). On a throw the context is half-restored: discard it.
void decode_state(codec::Reader& in, WasiContext& context);

}  // namespace eryx::wasi
