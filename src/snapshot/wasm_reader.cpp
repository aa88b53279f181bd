#include "snapshot/wasm_reader.h"

#include <array>
#include <cstring>

#include "snapshot/leb128.h"

namespace eryx::snapshot {
namespace {

constexpr std::array<uint8_t, kWasmHeaderSize> kHeader = {0x00, 0x61, 0x73, 0x6D,
                                                          0x01, 0x00, 0x00, 0x00};

// Position of each non-custom section id in the order the spec mandates (the data count section
// precedes code, the tag section sits between memory and global).
int section_rank(uint8_t id) {
  switch (id) {
    case kSectionType:
      return 1;
    case kSectionImport:
      return 2;
    case kSectionFunction:
      return 3;
    case kSectionTable:
      return 4;
    case kSectionMemory:
      return 5;
    case kSectionTag:
      return 6;
    case kSectionGlobal:
      return 7;
    case kSectionExport:
      return 8;
    case kSectionStart:
      return 9;
    case kSectionElement:
      return 10;
    case kSectionDataCount:
      return 11;
    case kSectionCode:
      return 12;
    case kSectionData:
      return 13;
    default:
      return -1;
  }
}

std::string hex(uint8_t byte) {
  constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[byte >> 4] + kDigits[byte & 0xF];
}

const char* section_name(uint8_t id) {
  switch (id) {
    case kSectionImport:
      return "import section";
    case kSectionMemory:
      return "memory section";
    case kSectionGlobal:
      return "global section";
    case kSectionExport:
      return "export section";
    case kSectionData:
      return "data section";
    case kSectionDataCount:
      return "data count section";
    default:
      return "section";
  }
}

Cursor payload_cursor(const Section& section) {
  return Cursor(section.payload, section_name(section.id), section.payload_offset);
}

uint8_t read_valtype(Cursor& cursor) {
  const uint8_t type = cursor.u8();
  switch (type) {
    case kValTypeI32:
    case kValTypeI64:
    case kValTypeF32:
    case kValTypeF64:
    case kValTypeV128:
    case kRefTypeFunc:
    case kRefTypeExtern:
      return type;
    default:
      cursor.fail("unsupported value type " + hex(type));
  }
}

uint8_t read_reftype(Cursor& cursor) {
  const uint8_t type = cursor.u8();
  if (type != kRefTypeFunc && type != kRefTypeExtern) {
    cursor.fail("unsupported reference type " + hex(type));
  }
  return type;
}

bool read_mutability(Cursor& cursor) {
  const uint8_t mut = cursor.u8();
  if (mut > 1) cursor.fail("bad global mutability flag " + std::to_string(mut));
  return mut == 1;
}

}  // namespace

void Cursor::fail(const std::string& message) const {
  throw SnapshotError(what_ + " at offset " + std::to_string(base_offset_ + pos_) + ": " + message);
}

uint8_t Cursor::u8() {
  if (at_end()) fail("unexpected end of data");
  return bytes_[pos_++];
}

namespace {

template <typename T, typename Decode>
T decode_with(Cursor& cursor, std::span<const uint8_t> rest, size_t& pos, Decode decode,
              const char* type_name) {
  T value{};
  size_t length = 0;
  switch (decode(rest, value, length)) {
    case leb128::DecodeStatus::kOk:
      pos += length;
      return value;
    case leb128::DecodeStatus::kTruncated:
      cursor.fail(std::string("truncated LEB128 ") + type_name);
    case leb128::DecodeStatus::kOverflow:
      break;
  }
  cursor.fail(std::string("LEB128 ") + type_name + " too long or out of range");
}

}  // namespace

uint32_t Cursor::u32() {
  return decode_with<uint32_t>(*this, bytes_.subspan(pos_), pos_, leb128::decode_u32, "u32");
}
int32_t Cursor::s32() {
  return decode_with<int32_t>(*this, bytes_.subspan(pos_), pos_, leb128::decode_s32, "s32");
}
uint64_t Cursor::u64() {
  return decode_with<uint64_t>(*this, bytes_.subspan(pos_), pos_, leb128::decode_u64, "u64");
}
int64_t Cursor::s64() {
  return decode_with<int64_t>(*this, bytes_.subspan(pos_), pos_, leb128::decode_s64, "s64");
}

std::span<const uint8_t> Cursor::bytes(size_t count) {
  if (count > remaining()) {
    fail("length " + std::to_string(count) + " runs past the end (" + std::to_string(remaining()) +
         " bytes left)");
  }
  auto out = bytes_.subspan(pos_, count);
  pos_ += count;
  return out;
}

std::string_view Cursor::name() {
  const uint32_t length = u32();
  auto raw = bytes(length);
  return {reinterpret_cast<const char*>(raw.data()), raw.size()};
}

std::span<const uint8_t> Cursor::span_between(size_t begin, size_t end) const {
  if (begin > end || end > bytes_.size()) fail("internal: bad span");
  return bytes_.subspan(begin, end - begin);
}

void Cursor::expect_end() const {
  if (!at_end()) fail(std::to_string(remaining()) + " unexpected trailing bytes");
}

std::vector<Section> read_sections(std::span<const uint8_t> module) {
  if (module.size() < kWasmHeaderSize) {
    throw SnapshotError("module is " + std::to_string(module.size()) +
                        " bytes, too short for a Wasm header");
  }
  if (std::memcmp(module.data(), kHeader.data(), 4) != 0) {
    throw SnapshotError("bad magic: not a Wasm binary module");
  }
  if (std::memcmp(module.data() + 4, kHeader.data() + 4, 4) != 0) {
    throw SnapshotError("unsupported Wasm binary version (only version 1 modules are handled)");
  }
  Cursor cursor(module, "module");
  cursor.bytes(kWasmHeaderSize);
  std::vector<Section> sections;
  int last_rank = 0;
  while (!cursor.at_end()) {
    Section section;
    section.offset = cursor.pos();
    section.id = cursor.u8();
    const uint32_t size = cursor.u32();
    section.payload_offset = cursor.pos();
    section.payload = cursor.bytes(size);
    section.raw = module.subspan(section.offset, cursor.pos() - section.offset);
    if (section.id == kSectionCustom) {
      Cursor name_cursor(section.payload, "custom section", section.payload_offset);
      section.custom_name = name_cursor.name();
    } else {
      const int rank = section_rank(section.id);
      if (rank < 0) {
        throw SnapshotError("unknown section id " + std::to_string(section.id) + " at offset " +
                            std::to_string(section.offset));
      }
      if (rank <= last_rank) {
        throw SnapshotError("section id " + std::to_string(section.id) + " at offset " +
                            std::to_string(section.offset) + " is duplicated or out of order");
      }
      last_rank = rank;
    }
    sections.push_back(section);
  }
  return sections;
}

const Section* find_section(const std::vector<Section>& sections, uint8_t id) {
  for (const Section& section : sections) {
    if (section.id == id) return &section;
  }
  return nullptr;
}

Limits read_limits(Cursor& cursor) {
  Limits limits;
  limits.flags = cursor.u8();
  if (limits.flags == 0x02 || limits.flags == 0x03) {
    cursor.fail("shared memories are not supported by snapshots");
  }
  if (limits.flags >= 0x04 && limits.flags <= 0x07) {
    cursor.fail("64-bit memories/tables (memory64) are not supported by snapshots");
  }
  if (limits.flags > 0x01) cursor.fail("bad limits flags " + hex(limits.flags));
  limits.min = cursor.u32();
  if (limits.flags == 0x01) {
    limits.max = cursor.u32();
    if (*limits.max < limits.min) cursor.fail("limits maximum is below the minimum");
  }
  return limits;
}

void write_limits(const Limits& limits, std::vector<uint8_t>& out) {
  out.push_back(limits.max ? 0x01 : 0x00);
  leb128::encode_u32(limits.min, out);
  if (limits.max) leb128::encode_u32(*limits.max, out);
}

ImportCounts parse_import_section(const Section& section) {
  Cursor cursor = payload_cursor(section);
  ImportCounts counts;
  const uint32_t count = cursor.u32();
  for (uint32_t i = 0; i < count; ++i) {
    cursor.name();  // module
    cursor.name();  // field
    const uint8_t kind = cursor.u8();
    switch (kind) {
      case kExternFunc:
        cursor.u32();
        ++counts.functions;
        break;
      case kExternTable:
        read_reftype(cursor);
        read_limits(cursor);
        ++counts.tables;
        break;
      case kExternMemory:
        read_limits(cursor);
        ++counts.memories;
        break;
      case kExternGlobal:
        read_valtype(cursor);
        read_mutability(cursor);
        ++counts.globals;
        break;
      case kExternTag:
        if (cursor.u8() != 0x00) cursor.fail("bad tag attribute");
        cursor.u32();
        ++counts.tags;
        break;
      default:
        cursor.fail("unknown import kind " + std::to_string(kind));
    }
  }
  cursor.expect_end();
  return counts;
}

std::vector<Limits> parse_memory_section(const Section& section) {
  Cursor cursor = payload_cursor(section);
  const uint32_t count = cursor.u32();
  std::vector<Limits> memories;
  for (uint32_t i = 0; i < count; ++i) memories.push_back(read_limits(cursor));
  cursor.expect_end();
  return memories;
}

std::span<const uint8_t> read_const_expr(Cursor& cursor) {
  const size_t begin = cursor.pos();
  for (;;) {
    const uint8_t opcode = cursor.u8();
    switch (opcode) {
      case 0x0B:  // end
        return cursor.span_between(begin, cursor.pos());
      case 0x41:  // i32.const
        cursor.s32();
        break;
      case 0x42:  // i64.const
        cursor.s64();
        break;
      case 0x43:  // f32.const
        cursor.bytes(4);
        break;
      case 0x44:  // f64.const
        cursor.bytes(8);
        break;
      case 0x23:  // global.get
      case 0xD2:  // ref.func
        cursor.u32();
        break;
      case 0xD0:  // ref.null
        read_reftype(cursor);
        break;
      default:
        cursor.fail("unsupported opcode " + hex(opcode) + " in a constant expression");
    }
  }
}

std::optional<int64_t> const_expr_value(std::span<const uint8_t> expr) {
  try {
    Cursor cursor(expr, "constant expression");
    const uint8_t opcode = cursor.u8();
    int64_t value = 0;
    if (opcode == 0x41) {
      value = cursor.s32();
    } else if (opcode == 0x42) {
      value = cursor.s64();
    } else {
      return std::nullopt;
    }
    if (cursor.u8() != 0x0B || !cursor.at_end()) return std::nullopt;
    return value;
  } catch (const SnapshotError&) {
    return std::nullopt;
  }
}

std::vector<GlobalEntry> parse_global_section(const Section& section) {
  Cursor cursor = payload_cursor(section);
  const uint32_t count = cursor.u32();
  std::vector<GlobalEntry> globals;
  for (uint32_t i = 0; i < count; ++i) {
    GlobalEntry entry;
    entry.valtype = read_valtype(cursor);
    entry.is_mutable = read_mutability(cursor);
    entry.init_expr = read_const_expr(cursor);
    globals.push_back(entry);
  }
  cursor.expect_end();
  return globals;
}

std::vector<Export> parse_export_section(const Section& section) {
  Cursor cursor = payload_cursor(section);
  const uint32_t count = cursor.u32();
  std::vector<Export> exports;
  for (uint32_t i = 0; i < count; ++i) {
    Export entry;
    entry.name = cursor.name();
    entry.kind = cursor.u8();
    if (entry.kind > kExternTag) cursor.fail("unknown export kind " + std::to_string(entry.kind));
    entry.index = cursor.u32();
    exports.push_back(entry);
  }
  cursor.expect_end();
  return exports;
}

std::vector<DataSegment> parse_data_section(const Section& section) {
  Cursor cursor = payload_cursor(section);
  const uint32_t count = cursor.u32();
  std::vector<DataSegment> segments;
  for (uint32_t i = 0; i < count; ++i) {
    DataSegment segment;
    const uint32_t flags = cursor.u32();
    switch (flags) {
      case 0:  // active, memory 0
        segment.offset_expr = read_const_expr(cursor);
        break;
      case 1:  // passive
        segment.passive = true;
        break;
      case 2:  // active, explicit memory index
        segment.memory = cursor.u32();
        segment.offset_expr = read_const_expr(cursor);
        break;
      default:
        cursor.fail("bad data segment flags " + std::to_string(flags));
    }
    const uint32_t length = cursor.u32();
    segment.bytes = cursor.bytes(length);
    segments.push_back(segment);
  }
  cursor.expect_end();
  return segments;
}

uint32_t parse_data_count_section(const Section& section) {
  Cursor cursor = payload_cursor(section);
  const uint32_t count = cursor.u32();
  cursor.expect_end();
  return count;
}

}  // namespace eryx::snapshot
