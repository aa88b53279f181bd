// LEB128 encoding and decoding of the integer widths the Wasm binary format uses.
//
// Decoders never read past the span they are given and enforce the format's length limits: at
// most ceil(N / 7) bytes for an N-bit value, with the unused high bits of the last byte zero
// (unsigned) or copies of the sign bit (signed). They report failure through a status rather than
// an exception so that the caller (Cursor in wasm_reader.h) can name the offset and section.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace eryx::snapshot::leb128 {

enum class DecodeStatus {
  kOk,
  kTruncated,  // the input ended before the last byte (one without the continuation bit)
  kOverflow,   // too many bytes, or bits set that do not fit the target width
};

namespace detail {

// Decodes an N-bit value into the low N bits of `value` (sign-extended to 64 bits if Signed).
template <unsigned N, bool Signed>
DecodeStatus decode(std::span<const uint8_t> in, uint64_t& value, size_t& length) {
  constexpr unsigned kMaxBytes = (N + 6) / 7;
  uint64_t result = 0;
  for (unsigned i = 0; i < kMaxBytes; ++i) {
    if (i >= in.size()) return DecodeStatus::kTruncated;
    const uint8_t byte = in[i];
    const unsigned shift = 7 * i;
    const uint8_t payload = byte & 0x7F;
    if (i == kMaxBytes - 1) {
      // The last permitted byte: no continuation, and only the bits that fit (for signed values,
      // the bits above the sign bit must repeat it).
      if (byte & 0x80) return DecodeStatus::kOverflow;
      const unsigned used = N - shift;  // 1..7 bits of this byte belong to the value
      if constexpr (Signed) {
        const uint8_t high = payload >> (used - 1);
        if (high != 0 && high != (0x7F >> (used - 1))) return DecodeStatus::kOverflow;
      } else {
        if ((payload >> used) != 0) return DecodeStatus::kOverflow;
      }
    }
    result |= static_cast<uint64_t>(payload) << shift;
    if ((byte & 0x80) == 0) {
      if constexpr (Signed) {
        if ((payload & 0x40) && shift + 7 < 64) result |= ~uint64_t{0} << (shift + 7);
      }
      value = result;
      length = i + 1;
      return DecodeStatus::kOk;
    }
  }
  return DecodeStatus::kOverflow;  // unreachable: the last byte either returns or overflows
}

}  // namespace detail

// Each decoder reads one value from the start of `in`; on kOk, `length` is the bytes consumed.
inline DecodeStatus decode_u32(std::span<const uint8_t> in, uint32_t& value, size_t& length) {
  uint64_t wide = 0;
  const DecodeStatus status = detail::decode<32, false>(in, wide, length);
  value = static_cast<uint32_t>(wide);
  return status;
}

inline DecodeStatus decode_u64(std::span<const uint8_t> in, uint64_t& value, size_t& length) {
  return detail::decode<64, false>(in, value, length);
}

inline DecodeStatus decode_s32(std::span<const uint8_t> in, int32_t& value, size_t& length) {
  uint64_t wide = 0;
  const DecodeStatus status = detail::decode<32, true>(in, wide, length);
  value = static_cast<int32_t>(static_cast<uint32_t>(wide));
  return status;
}

inline DecodeStatus decode_s64(std::span<const uint8_t> in, int64_t& value, size_t& length) {
  uint64_t wide = 0;
  const DecodeStatus status = detail::decode<64, true>(in, wide, length);
  value = static_cast<int64_t>(wide);
  return status;
}

// Encoders append the shortest encoding of `value` to `out`.
inline void encode_u64(uint64_t value, std::vector<uint8_t>& out) {
  do {
    uint8_t byte = value & 0x7F;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    out.push_back(byte);
  } while (value != 0);
}

inline void encode_u32(uint32_t value, std::vector<uint8_t>& out) { encode_u64(value, out); }

inline void encode_s64(int64_t value, std::vector<uint8_t>& out) {
  for (;;) {
    const uint8_t byte = static_cast<uint8_t>(value) & 0x7F;
    value >>= 7;  // arithmetic shift (guaranteed since C++20)
    const bool done = (value == 0 && !(byte & 0x40)) || (value == -1 && (byte & 0x40));
    out.push_back(done ? byte : (byte | 0x80));
    if (done) return;
  }
}

inline void encode_s32(int32_t value, std::vector<uint8_t>& out) { encode_s64(value, out); }

}  // namespace eryx::snapshot::leb128
