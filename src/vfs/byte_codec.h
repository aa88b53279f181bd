// Little-endian writer and bounds-checked reader for eryx's binary formats (factory files, session
// snapshots and the VFS/WASI state inside them). It lives in the lowest layer so every layer's
// format shares one implementation of the length checks.
//
// The reader never trusts a length: every field is checked against the bytes that are left before
// anything is copied or allocated, so a truncated or hostile input (a checksum is no proof of
// origin: anyone can recompute it) throws DecodeError instead of reading out of bounds or asking
// for a huge allocation. Counts are read one element at a time for the same reason: nothing
// reserves space for a count it has not seen the bytes of.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace eryx::codec {

static_assert(std::endian::native == std::endian::little, "the formats are little-endian");

// Input that is truncated, inconsistent or out of range. Callers turn it into their typed error.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Writer {
 public:
  void u8(uint8_t v) { raw(&v, sizeof v); }
  void u16(uint16_t v) { raw(&v, sizeof v); }
  void u32(uint32_t v) { raw(&v, sizeof v); }
  void u64(uint64_t v) { raw(&v, sizeof v); }
  // A u64 length, then the bytes.
  void bytes(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  uint8_t u8() { return scalar<uint8_t>(); }
  uint16_t u16() { return scalar<uint16_t>(); }
  uint32_t u32() { return scalar<uint32_t>(); }
  uint64_t u64() { return scalar<uint64_t>(); }
  // A u64 length, then that many bytes (a view into the input).
  std::string_view bytes() { return take(u64()); }
  // As bytes(), refusing more than `max` bytes.
  std::string_view bytes(uint64_t max, const char* what) {
    uint64_t n = u64();
    if (n > max) throw DecodeError(std::string(what) + " is too long");
    return take(n);
  }
  std::string_view take(uint64_t n) {
    if (n > data_.size() - pos_) throw DecodeError("truncated data");
    auto s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  bool done() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  template <typename T>
  T scalar() {
    T v;
    std::memcpy(&v, take(sizeof(T)).data(), sizeof(T));
    return v;
  }
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace eryx::codec
