#include "wasi/fd_table.h"

#include "wasi/abi.h"

namespace eryx::wasi {

bool FdEntry::can_read() const {
  return kind != FdKind::kStdout && kind != FdKind::kStderr &&
         (rights_base & abi::kRightFdRead) != 0;
}

bool FdEntry::can_write() const {
  return kind != FdKind::kStdin && (rights_base & abi::kRightFdWrite) != 0;
}

FdEntry* FdTable::get(uint32_t fd) {
  if (fd >= slots_.size() || !slots_[fd]) return nullptr;
  return &*slots_[fd];
}

const FdEntry* FdTable::get(uint32_t fd) const {
  if (fd >= slots_.size() || !slots_[fd]) return nullptr;
  return &*slots_[fd];
}

std::optional<uint32_t> FdTable::insert(FdEntry entry) {
  for (uint32_t fd = 0; fd < slots_.size(); ++fd) {
    if (!slots_[fd]) {
      slots_[fd] = std::move(entry);
      ++open_;
      return fd;
    }
  }
  if (slots_.size() >= max_fds_) return std::nullopt;
  slots_.emplace_back(std::move(entry));
  ++open_;
  return static_cast<uint32_t>(slots_.size() - 1);
}

bool FdTable::insert_at(uint32_t fd, FdEntry entry) {
  if (fd >= max_fds_) return false;
  if (fd >= slots_.size()) slots_.resize(fd + 1);
  if (slots_[fd]) return false;
  slots_[fd] = std::move(entry);
  ++open_;
  return true;
}

Errno FdTable::close(uint32_t fd) {
  if (fd >= slots_.size() || !slots_[fd]) return Errno::kBadf;
  slots_[fd].reset();
  --open_;
  // Keep the vector short so lowest-free search stays cheap after a burst of opens.
  while (!slots_.empty() && !slots_.back()) slots_.pop_back();
  return Errno::kSuccess;
}

Errno FdTable::renumber(uint32_t from, uint32_t to) {
  // Like Wasmtime: both fds must be open (preview1 has no way to pick a free number).
  if (!get(from) || !get(to)) return Errno::kBadf;
  if (from == to) return Errno::kSuccess;
  *slots_[to] = std::move(*slots_[from]);
  close(from);
  return Errno::kSuccess;
}

void FdTable::for_each(const std::function<void(FdEntry&)>& f) {
  for (auto& slot : slots_) {
    if (slot) f(*slot);
  }
}

}  // namespace eryx::wasi
