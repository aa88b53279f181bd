// Scrubbing of files the guest wrote in its in-memory filesystem.
//
// A file is scrubbed whole, never one write at a time, because a secret exists in a file only as
// its final bytes:
// - pwrite at any offsets and in any order: "KEY" can be written as "EY" at offset 1 and then "K"
//   at 0; a scan of each write alone sees neither.
// - writes split across calls (a buffered writer flushing in pieces, or one byte per call), and
//   writes through several fds (hard links included: they share the node).
// - truncation and growth: a shrink can only cut a needle (it keeps a prefix of the bytes), but
//   zero-filled growth (fd_allocate, fd_filestat_set_size) completes a needle that ends in NUL
//   bytes, so it counts as a write; an overwrite can complete or break one.
// - redacting in place during the writes would shift the bytes after each marker, so the guest's
//   next pwrite at a computed offset would land in the wrong place. So the contents are rewritten
//   once the guest is done with them: when the last fd on a written file closes, and at the end of
//   each execution for files still open (files leave the sandbox only between executions).
//
// The marker is usually shorter than the needle (placeholders are long), so a scrubbed file often
// shrinks; a needle shorter than the marker makes it grow, which the quota may refuse.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "secrets/scrubber.h"
#include "vfs/node.h"
#include "vfs/status.h"
#include "vfs/vfs.h"

namespace eryx::secrets {

// The scrubbed bytes of a whole file, or nullopt when it holds no needle (the file need not change,
// nor its size or times).
std::optional<std::string> scrub_file_bytes(const Scrubber& scrubber, std::string_view bytes);

// Replaces a writable file's contents by their scrubbed bytes (the mtime moves: the content
// changed). kOk when nothing needed changing and for read-only and image files, which only the
// host writes. When the scrubbed bytes would grow the file past the quota, the file is emptied and
// kNoSpace returned: losing the contents beats keeping a secret in them. Only std::bad_alloc may
// escape, as from File::write.
vfs::Status scrub_file(const Scrubber& scrubber, vfs::File& file);

// Scrubs every writable file reachable from `root` that changed since its last scan
// (File::version), walking iteratively (a deep tree cannot overflow the host stack). Returns how
// many files were rewritten. A file the quota refuses to grow is emptied (see scrub_file).
size_t scrub_tree(const Scrubber& scrubber, const vfs::DirPtr& root);

}  // namespace eryx::secrets
