// A small, bounds-checked reader for the parts of the Wasm binary format the snapshot builder
// touches: the section list and the import, memory, global, export, data and data count sections.
//
// It is not a validator. It checks exactly what the builder relies on (every length stays inside
// its section, every section is consumed to its last byte, non-custom sections appear at most
// once and in the order the spec requires) and throws SnapshotError for anything it cannot parse,
// including features the guest never uses (shared memory, memory64, GC reference types). Spans
// in the results point into the caller's module bytes, which must outlive them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "snapshot/error.h"

namespace eryx::snapshot {

inline constexpr uint8_t kSectionCustom = 0;
inline constexpr uint8_t kSectionType = 1;
inline constexpr uint8_t kSectionImport = 2;
inline constexpr uint8_t kSectionFunction = 3;
inline constexpr uint8_t kSectionTable = 4;
inline constexpr uint8_t kSectionMemory = 5;
inline constexpr uint8_t kSectionGlobal = 6;
inline constexpr uint8_t kSectionExport = 7;
inline constexpr uint8_t kSectionStart = 8;
inline constexpr uint8_t kSectionElement = 9;
inline constexpr uint8_t kSectionCode = 10;
inline constexpr uint8_t kSectionData = 11;
inline constexpr uint8_t kSectionDataCount = 12;
inline constexpr uint8_t kSectionTag = 13;

inline constexpr uint8_t kValTypeI32 = 0x7F;
inline constexpr uint8_t kValTypeI64 = 0x7E;
inline constexpr uint8_t kValTypeF32 = 0x7D;
inline constexpr uint8_t kValTypeF64 = 0x7C;
inline constexpr uint8_t kValTypeV128 = 0x7B;
inline constexpr uint8_t kRefTypeFunc = 0x70;
inline constexpr uint8_t kRefTypeExtern = 0x6F;

inline constexpr uint8_t kExternFunc = 0;
inline constexpr uint8_t kExternTable = 1;
inline constexpr uint8_t kExternMemory = 2;
inline constexpr uint8_t kExternGlobal = 3;
inline constexpr uint8_t kExternTag = 4;

inline constexpr size_t kWasmPageSize = 65536;
inline constexpr size_t kWasmHeaderSize = 8;  // "\0asm" and version 1

// Reads primitive values from a byte span; every read is bounds-checked and throws SnapshotError
// naming `what` (e.g. "global section") and the absolute module offset.
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> bytes, std::string what = "module",
                  size_t base_offset = 0)
      : bytes_(bytes), what_(std::move(what)), base_offset_(base_offset) {}

  uint8_t u8();
  uint32_t u32();
  int32_t s32();
  uint64_t u64();
  int64_t s64();
  std::span<const uint8_t> bytes(size_t count);
  std::string_view name();  // a u32 length followed by that many bytes (UTF-8 is not checked)

  size_t pos() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }
  // The bytes between two positions previously returned by pos().
  std::span<const uint8_t> span_between(size_t begin, size_t end) const;
  // Throws unless every byte has been consumed: trailing garbage means a misparse.
  void expect_end() const;
  [[noreturn]] void fail(const std::string& message) const;

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  std::string what_;
  size_t base_offset_;
};

struct Section {
  uint8_t id = 0;
  size_t offset = 0;                 // of the id byte, from the start of the module
  std::span<const uint8_t> raw;      // id, size and payload: what a verbatim copy writes
  std::span<const uint8_t> payload;  // the content after the size
  size_t payload_offset = 0;         // from the start of the module
  std::string_view custom_name;      // custom sections only
};

// Checks the magic and version, then splits the module into sections. Non-custom ids must be
// known (1..13), unique and in the spec's order; custom sections may appear anywhere.
std::vector<Section> read_sections(std::span<const uint8_t> module);

// Returns the first section with `id`, or nullptr.
const Section* find_section(const std::vector<Section>& sections, uint8_t id);

struct Limits {
  uint8_t flags = 0;  // 0x00 (min only) or 0x01 (min and max); others are rejected when parsed
  uint32_t min = 0;
  std::optional<uint32_t> max;
};
Limits read_limits(Cursor& cursor);
void write_limits(const Limits& limits, std::vector<uint8_t>& out);

// Imports per kind: imported entities come first in each index space.
struct ImportCounts {
  uint32_t functions = 0;
  uint32_t tables = 0;
  uint32_t memories = 0;
  uint32_t globals = 0;
  uint32_t tags = 0;
};
ImportCounts parse_import_section(const Section& section);

std::vector<Limits> parse_memory_section(const Section& section);

struct GlobalEntry {
  uint8_t valtype = 0;
  bool is_mutable = false;
  std::span<const uint8_t> init_expr;  // including its final `end` (0x0B)
};
std::vector<GlobalEntry> parse_global_section(const Section& section);

struct Export {
  std::string_view name;
  uint8_t kind = 0;
  uint32_t index = 0;
};
std::vector<Export> parse_export_section(const Section& section);

struct DataSegment {
  bool passive = false;
  uint32_t memory = 0;
  std::span<const uint8_t> offset_expr;  // active segments only; including `end`
  std::span<const uint8_t> bytes;
};
std::vector<DataSegment> parse_data_section(const Section& section);

uint32_t parse_data_count_section(const Section& section);

// Reads one constant expression (i32/i64/f32/f64.const, global.get, ref.null, ref.func, then
// `end`) and returns its bytes including the `end`. Anything else throws: the builder must know
// where each expression ends to copy the ones it does not rewrite.
std::span<const uint8_t> read_const_expr(Cursor& cursor);

// The value of an expression that is exactly `i32.const v end` or `i64.const v end`.
std::optional<int64_t> const_expr_value(std::span<const uint8_t> expr);

}  // namespace eryx::snapshot
