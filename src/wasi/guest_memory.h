// A bounds-checked view of guest linear memory.
//
// Every guest pointer and length goes through this class. Each access is checked against the
// view's size in 64-bit arithmetic, so `ptr + len` cannot wrap, and a failed check touches
// nothing. Values are copied with memcpy: guest pointers need no alignment, and no host reference
// into guest memory is formed for a scalar or struct. The view does not own the memory and is
// rebuilt by the engine for each host call (the memory may move when the guest grows it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

namespace eryx::wasi {

class GuestMemory {
 public:
  GuestMemory(uint8_t* base, size_t size) : base_(base), size_(base ? size : 0) {}

  size_t size() const { return size_; }

  // True when [ptr, ptr + len) lies inside the memory.
  bool contains(uint64_t ptr, uint64_t len) const { return ptr <= size_ && len <= size_ - ptr; }

  // The bytes [ptr, ptr + len), or nullopt when out of range. A zero-length span at `size()` is
  // in range (like a one-past-the-end pointer).
  std::optional<std::span<uint8_t>> bytes(uint32_t ptr, uint32_t len) {
    if (!contains(ptr, len)) return std::nullopt;
    return std::span<uint8_t>(base_ + ptr, len);
  }
  std::optional<std::string_view> string(uint32_t ptr, uint32_t len) {
    if (!contains(ptr, len)) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(base_ + ptr), len);
  }
  // An array of `count` elements of `element_size` bytes, checked as a whole.
  std::optional<std::span<uint8_t>> array(uint32_t ptr, uint32_t count, uint32_t element_size) {
    uint64_t len = static_cast<uint64_t>(count) * element_size;
    if (!contains(ptr, len)) return std::nullopt;
    return std::span<uint8_t>(base_ + ptr, static_cast<size_t>(len));
  }

  // Reads a little-endian scalar or preview1 struct (wasi/abi.h).
  template <typename T>
  std::optional<T> read(uint64_t ptr) const {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!contains(ptr, sizeof(T))) return std::nullopt;
    T value;
    std::memcpy(&value, base_ + ptr, sizeof(T));
    return value;
  }
  // Writes a little-endian scalar or preview1 struct; false when out of range.
  template <typename T>
  [[nodiscard]] bool write(uint64_t ptr, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!contains(ptr, sizeof(T))) return false;
    std::memcpy(base_ + ptr, &value, sizeof(T));
    return true;
  }
  // Copies raw bytes in; false when out of range.
  [[nodiscard]] bool write_bytes(uint64_t ptr, std::span<const uint8_t> data) {
    if (!contains(ptr, data.size())) return false;
    if (!data.empty()) std::memcpy(base_ + ptr, data.data(), data.size());
    return true;
  }
  [[nodiscard]] bool write_bytes(uint64_t ptr, std::string_view data) {
    return write_bytes(
        ptr, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  }

 private:
  uint8_t* base_;
  size_t size_;
};

}  // namespace eryx::wasi
