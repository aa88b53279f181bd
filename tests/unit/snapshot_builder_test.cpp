#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "snapshot/leb128.h"
#include "snapshot/module_builder.h"
#include "snapshot/wasm_reader.h"

namespace eryx::snapshot {
namespace {

using Bytes = std::vector<uint8_t>;

// ---- A tiny module assembler: sections are (id, payload) pairs so tests can swap one out. ----

Bytes uleb(uint64_t value) {
  Bytes out;
  leb128::encode_u64(value, out);
  return out;
}

Bytes sleb(int64_t value) {
  Bytes out;
  leb128::encode_s64(value, out);
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes str(std::string_view text) {
  Bytes out = uleb(text.size());
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

// A Wasm vector: the element count followed by the elements.
Bytes vec(std::initializer_list<Bytes> items) {
  Bytes out = uleb(items.size());
  for (const Bytes& item : items) out.insert(out.end(), item.begin(), item.end());
  return out;
}

struct SectionSpec {
  uint8_t id;
  Bytes payload;
};

Bytes assemble(const std::vector<SectionSpec>& sections) {
  Bytes out = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  for (const SectionSpec& section : sections) {
    out.push_back(section.id);
    Bytes size = uleb(section.payload.size());
    out.insert(out.end(), size.begin(), size.end());
    out.insert(out.end(), section.payload.begin(), section.payload.end());
  }
  return out;
}

Bytes memory_payload(Bytes limits) { return vec({std::move(limits)}); }

Bytes active_segment(int32_t offset, std::string_view text) {
  return cat({{0x00, 0x41}, sleb(offset), {0x0B}, str(text)});
}

Bytes default_data_payload() { return vec({active_segment(16, "hello")}); }

// Imports func 0 and global 0, defines func 1, globals 1..6; exports a mix of kinds.
std::vector<SectionSpec> standard_sections() {
  Bytes f64_one = {0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x0B};
  return {
      {0, cat({str("first"), {'a', 'b', 'c'}})},
      {1, vec({{0x60, 0x00, 0x00}})},
      {2, vec({cat({str("env"), str("f"), {0x00}, uleb(0)}),
               cat({str("env"), str("g"), {0x03, 0x7F, 0x00}})})},
      {3, vec({uleb(0)})},
      {5, memory_payload({0x01, 0x01, 0x10})},                  // min 1, max 16
      {6, vec({cat({{0x7F, 0x01, 0x41}, sleb(65536), {0x0B}}),  // 1 __stack_pointer
               cat({{0x7E, 0x01, 0x42}, sleb(-1), {0x0B}}),     // 2 counter64
               cat({{0x7F, 0x00, 0x41}, sleb(5), {0x0B}}),      // 3 const_g (immutable)
               {0x7F, 0x01, 0x23, 0x00, 0x0B},                  // 4 global.get 0, unexported
               {0x70, 0x00, 0xD0, 0x70, 0x0B},                  // 5 ref.null func
               cat({{0x7C, 0x01}, f64_one})})},                 // 6 f64_g
      {7,
       vec({cat({str("memory"), {0x02}, uleb(0)}), cat({str("__stack_pointer"), {0x03}, uleb(1)}),
            cat({str("counter64"), {0x03}, uleb(2)}), cat({str("const_g"), {0x03}, uleb(3)}),
            cat({str("f64_g"), {0x03}, uleb(6)}), cat({str("imported_g"), {0x03}, uleb(0)}),
            cat({str("_initialize"), {0x00}, uleb(1)})})},
      {12, uleb(1)},
      {10, vec({{0x02, 0x00, 0x0B}})},
      {11, default_data_payload()},
      // "name", function-names subsection (1) of 14 bytes: one entry, function 1.
      {0, cat({str("name"), {0x01}, uleb(14), vec({cat({uleb(1), str("_initialize")})})})},
  };
}

std::vector<SectionSpec> without(std::vector<SectionSpec> sections, uint8_t id) {
  std::erase_if(sections, [id](const SectionSpec& s) { return s.id == id; });
  return sections;
}

std::vector<SectionSpec> replaced(std::vector<SectionSpec> sections, uint8_t id, Bytes payload) {
  for (SectionSpec& section : sections) {
    if (section.id == id) section.payload = payload;
  }
  return sections;
}

// Three pages: a segment with short internal zero runs, one after a long gap, one at the very end.
Bytes sample_image() {
  Bytes image(3 * kWasmPageSize, 0);
  std::string_view hello = "hello";
  std::copy(hello.begin(), hello.end(), image.begin() + 16);
  for (size_t i = 1000; i < 1200; i += 3) image[i] = static_cast<uint8_t>(i | 1);  // gaps of 2
  image[5000] = 0xAA;   // 3801 zeros after 1198: stays in the first segment
  image[70000] = 0x01;  // far away: a new segment
  image[70001] = 0x02;
  image.back() = 0xFF;  // the very last byte
  return image;
}

std::vector<GlobalValue> sample_globals() {
  return {{"__stack_pointer", 8388608}, {"counter64", uint64_t{1} << 40}};
}

Bytes build(const Bytes& module, const Bytes& image, std::vector<GlobalValue> globals = {}) {
  return build_snapshot_module({module, image, std::move(globals)});
}

// Replays the data segments of `module` onto a zeroed memory of `pages` pages.
Bytes replay_data(const Bytes& module, uint32_t pages, size_t* segment_count = nullptr) {
  auto sections = read_sections(module);
  Bytes memory(size_t{pages} * kWasmPageSize, 0);
  const Section* data = find_section(sections, kSectionData);
  if (data == nullptr) return memory;
  auto segments = parse_data_section(*data);
  if (segment_count) *segment_count = segments.size();
  for (const DataSegment& segment : segments) {
    EXPECT_FALSE(segment.passive);
    EXPECT_EQ(segment.memory, 0u);
    std::optional<int64_t> offset = const_expr_value(segment.offset_expr);
    EXPECT_TRUE(offset.has_value());
    const uint64_t start = static_cast<uint32_t>(offset.value_or(0));
    EXPECT_LE(start + segment.bytes.size(), memory.size());
    if (start + segment.bytes.size() > memory.size()) continue;
    // Segments are tight: they start and end on non-zero bytes.
    EXPECT_FALSE(segment.bytes.empty());
    EXPECT_NE(segment.bytes.front(), 0);
    EXPECT_NE(segment.bytes.back(), 0);
    std::copy(segment.bytes.begin(), segment.bytes.end(), memory.begin() + start);
  }
  return memory;
}

template <typename Fn>
void expect_error(Fn&& fn, std::string_view fragment) {
  try {
    fn();
    ADD_FAILURE() << "expected SnapshotError containing \"" << fragment << "\"";
  } catch (const SnapshotError& e) {
    EXPECT_NE(std::string_view(e.what()).find(fragment), std::string_view::npos) << e.what();
  }
}

bool have_wasm_validate() { return std::system("command -v wasm-validate >/dev/null 2>&1") == 0; }

bool wasm_validate(const Bytes& module, const std::string& tag) {
  auto path = std::filesystem::temp_directory_path() /
              ("eryx_snapshot_" + tag + "_" + std::to_string(::getpid()) + ".wasm");
  {
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(module.data()),
               static_cast<std::streamsize>(module.size()));
  }
  const int rc = std::system(("wasm-validate '" + path.string() + "'").c_str());
  std::filesystem::remove(path);
  return rc == 0;
}

// ---- LEB128 ----

TEST(SnapshotLeb128, RoundTripsAllWidths) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{64}, int64_t{-64},
                    int64_t{-65}, int64_t{8388608}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    Bytes encoded;
    leb128::encode_s64(v, encoded);
    int64_t decoded = 0;
    size_t length = 0;
    ASSERT_EQ(leb128::decode_s64(encoded, decoded, length), leb128::DecodeStatus::kOk);
    EXPECT_EQ(decoded, v);
    EXPECT_EQ(length, encoded.size());
  }
  for (int32_t v : {0, -1, 127, -128, std::numeric_limits<int32_t>::min(),
                    std::numeric_limits<int32_t>::max()}) {
    Bytes encoded;
    leb128::encode_s32(v, encoded);
    int32_t decoded = 0;
    size_t length = 0;
    ASSERT_EQ(leb128::decode_s32(encoded, decoded, length), leb128::DecodeStatus::kOk);
    EXPECT_EQ(decoded, v);
    EXPECT_LE(encoded.size(), 5u);
  }
  for (uint64_t v :
       {uint64_t{0}, uint64_t{127}, uint64_t{128}, std::numeric_limits<uint64_t>::max()}) {
    Bytes encoded;
    leb128::encode_u64(v, encoded);
    uint64_t decoded = 0;
    size_t length = 0;
    ASSERT_EQ(leb128::decode_u64(encoded, decoded, length), leb128::DecodeStatus::kOk);
    EXPECT_EQ(decoded, v);
  }
}

TEST(SnapshotLeb128, EnforcesLengthAndRangeLimits) {
  using leb128::DecodeStatus;
  uint32_t u32 = 0;
  int32_t s32 = 0;
  uint64_t u64 = 0;
  int64_t s64 = 0;
  size_t n = 0;
  const Bytes max_u32 = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  EXPECT_EQ(leb128::decode_u32(max_u32, u32, n), DecodeStatus::kOk);
  EXPECT_EQ(u32, 0xFFFFFFFFu);
  EXPECT_EQ(leb128::decode_u32(Bytes{0x80, 0x80, 0x80, 0x80, 0x10}, u32, n),
            DecodeStatus::kOverflow);
  EXPECT_EQ(leb128::decode_u32(Bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, u32, n),
            DecodeStatus::kOverflow);  // six bytes, even though the value is zero
  EXPECT_EQ(leb128::decode_u32(Bytes{0x80}, u32, n), DecodeStatus::kTruncated);
  EXPECT_EQ(leb128::decode_u32(Bytes{}, u32, n), DecodeStatus::kTruncated);

  EXPECT_EQ(leb128::decode_s32(Bytes{0x80, 0x80, 0x80, 0x80, 0x78}, s32, n), DecodeStatus::kOk);
  EXPECT_EQ(s32, std::numeric_limits<int32_t>::min());
  EXPECT_EQ(leb128::decode_s32(Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x07}, s32, n), DecodeStatus::kOk);
  EXPECT_EQ(s32, std::numeric_limits<int32_t>::max());
  EXPECT_EQ(leb128::decode_s32(Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x08}, s32, n),
            DecodeStatus::kOverflow);  // 2^31 is not an s32
  EXPECT_EQ(leb128::decode_s32(Bytes{0x80, 0x80, 0x80, 0x80, 0x70}, s32, n),
            DecodeStatus::kOverflow);

  Bytes big(9, 0x80);
  big.push_back(0x01);
  EXPECT_EQ(leb128::decode_u64(big, u64, n), DecodeStatus::kOk);
  EXPECT_EQ(u64, uint64_t{1} << 63);
  big.back() = 0x02;
  EXPECT_EQ(leb128::decode_u64(big, u64, n), DecodeStatus::kOverflow);
  big.back() = 0x7F;
  EXPECT_EQ(leb128::decode_s64(big, s64, n), DecodeStatus::kOk);
  EXPECT_EQ(s64, std::numeric_limits<int64_t>::min());
  big.back() = 0x01;
  EXPECT_EQ(leb128::decode_s64(big, s64, n), DecodeStatus::kOverflow);
}

// ---- The builder on well-formed input ----

TEST(SnapshotBuilder, RewritesMemoryGlobalsAndDataAndCopiesTheRest) {
  const Bytes original = assemble(standard_sections());
  const Bytes image = sample_image();
  const Bytes output = build(original, image, sample_globals());

  auto in = read_sections(original);
  auto out = read_sections(output);
  ASSERT_EQ(in.size(), out.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(in[i].id, out[i].id) << "section order changed at " << i;
    const uint8_t id = in[i].id;
    if (id == kSectionMemory || id == kSectionGlobal || id == kSectionData ||
        id == kSectionDataCount) {
      continue;
    }
    EXPECT_TRUE(
        std::equal(in[i].raw.begin(), in[i].raw.end(), out[i].raw.begin(), out[i].raw.end()))
        << "section " << int{id} << " was not copied verbatim";
  }
  EXPECT_EQ(out.front().custom_name, "first");
  EXPECT_EQ(out.back().custom_name, "name");

  auto memories = parse_memory_section(*find_section(out, kSectionMemory));
  ASSERT_EQ(memories.size(), 1u);
  EXPECT_EQ(memories[0].min, 3u);
  EXPECT_EQ(memories[0].max, std::optional<uint32_t>(16));

  auto globals_in = parse_global_section(*find_section(in, kSectionGlobal));
  auto globals_out = parse_global_section(*find_section(out, kSectionGlobal));
  ASSERT_EQ(globals_out.size(), globals_in.size());
  EXPECT_EQ(const_expr_value(globals_out[0].init_expr), std::optional<int64_t>(8388608));
  EXPECT_EQ(const_expr_value(globals_out[1].init_expr), std::optional<int64_t>(int64_t{1} << 40));
  for (size_t i = 0; i < globals_in.size(); ++i) {
    EXPECT_EQ(globals_out[i].valtype, globals_in[i].valtype);
    EXPECT_EQ(globals_out[i].is_mutable, globals_in[i].is_mutable);
    if (i >= 2) {
      EXPECT_TRUE(std::equal(globals_in[i].init_expr.begin(), globals_in[i].init_expr.end(),
                             globals_out[i].init_expr.begin(), globals_out[i].init_expr.end()));
    }
  }

  size_t segments = 0;
  EXPECT_EQ(replay_data(output, 3, &segments), image);
  EXPECT_EQ(segments, 3u);  // [16, 5001), [70000, 70002), the last byte
  EXPECT_EQ(parse_data_count_section(*find_section(out, kSectionDataCount)), segments);
}

TEST(SnapshotBuilder, I32ValuesAboveTwoToThe31AreStoredAsTwosComplement) {
  const Bytes output = build(assemble(standard_sections()), Bytes(kWasmPageSize, 0),
                             {{"__stack_pointer", 0xFFFFFFF0u}});
  auto globals = parse_global_section(*find_section(read_sections(output), kSectionGlobal));
  EXPECT_EQ(const_expr_value(globals[0].init_expr), std::optional<int64_t>(-16));
}

TEST(SnapshotBuilder, AllZeroImageGivesNoSegments) {
  const Bytes original = assemble(standard_sections());
  const Bytes output = build(original, Bytes(2 * kWasmPageSize, 0));
  auto out = read_sections(output);
  EXPECT_TRUE(parse_data_section(*find_section(out, kSectionData)).empty());
  EXPECT_EQ(parse_data_count_section(*find_section(out, kSectionDataCount)), 0u);
  // No globals named: the global section is copied as is.
  auto in = read_sections(original);  // spans point into `original`, which must stay alive
  const Section* g_in = find_section(in, kSectionGlobal);
  const Section* g_out = find_section(out, kSectionGlobal);
  EXPECT_TRUE(std::equal(g_in->raw.begin(), g_in->raw.end(), g_out->raw.begin(), g_out->raw.end()));
}

TEST(SnapshotBuilder, AddsADataSectionWhenTheOriginalHasNone) {
  const Bytes original = assemble(without(without(standard_sections(), 11), 12));
  const Bytes image = sample_image();
  const Bytes output = build(original, image, sample_globals());
  auto out = read_sections(output);
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(out[out.size() - 2].id, kSectionData);  // after code, before the trailing custom
  EXPECT_EQ(out.back().custom_name, "name");
  EXPECT_EQ(find_section(out, kSectionDataCount), nullptr);
  EXPECT_EQ(replay_data(output, 3), image);
  if (have_wasm_validate()) {
    EXPECT_TRUE(wasm_validate(output, "nodata"));
  }
}

TEST(SnapshotBuilder, CapsTheSegmentCountByWideningTheGap) {
  // 16 MiB with a byte every 4200 (about 4000 segments at the 4 KiB gap), then 8 MiB of zeros and
  // one last byte: widening the gap to 8 KiB merges the dense part but not the far byte.
  Bytes image(384 * kWasmPageSize, 0);
  for (size_t i = 0; i < 256 * kWasmPageSize; i += 4200) image[i] = 0x5A;
  image.back() = 0xA5;
  const Bytes output =
      build(assemble(replaced(standard_sections(), 5, memory_payload({0x00, 0x01}))), image);
  size_t segments = 0;
  EXPECT_EQ(replay_data(output, 384, &segments), image);
  EXPECT_EQ(segments, 2u);
  auto memories = parse_memory_section(*find_section(read_sections(output), kSectionMemory));
  EXPECT_EQ(memories[0].min, 384u);
  EXPECT_FALSE(memories[0].max.has_value());
}

TEST(SnapshotBuilder, OutputPassesWasmValidate) {
  if (!have_wasm_validate()) GTEST_SKIP() << "wasm-validate (wabt) is not on PATH";
  const Bytes original = assemble(standard_sections());
  ASSERT_TRUE(wasm_validate(original, "original")) << "the test fixture itself is invalid";
  EXPECT_TRUE(wasm_validate(build(original, sample_image(), sample_globals()), "output"));
}

// ---- Malformed or unsupported input ----

TEST(SnapshotBuilder, RejectsBadHeaders) {
  const Bytes image(kWasmPageSize, 0);
  Bytes module = assemble(standard_sections());
  expect_error([&] { build(Bytes(module.begin(), module.begin() + 5), image); }, "too short");
  Bytes bad_magic = module;
  bad_magic[1] = 'b';
  expect_error([&] { build(bad_magic, image); }, "bad magic");
  Bytes bad_version = module;
  bad_version[4] = 2;
  expect_error([&] { build(bad_version, image); }, "version");
}

TEST(SnapshotBuilder, RejectsTruncatedModules) {
  const Bytes module = assemble(standard_sections());
  const Bytes image(kWasmPageSize, 0);
  // Cut inside the global section: its declared size now runs past the end.
  auto sections = read_sections(module);
  const Section* global = find_section(sections, kSectionGlobal);
  const Bytes cut(module.begin(), module.begin() + global->payload_offset + 3);
  expect_error([&] { build(cut, image); }, "past the end");
  // Every prefix either builds (a prefix ending between sections is a smaller module) or throws
  // SnapshotError; nothing else, and (under ASan) no out-of-bounds read.
  for (size_t n = 0; n < module.size(); ++n) {
    const Bytes prefix(module.begin(), module.begin() + n);
    try {
      build(prefix, image, sample_globals());
    } catch (const SnapshotError&) {
    }
  }
}

TEST(SnapshotBuilder, SurvivesSingleByteCorruption) {
  const Bytes module = assemble(standard_sections());
  const Bytes image = sample_image();
  for (size_t i = 8; i < module.size(); ++i) {
    for (uint8_t value :
         {uint8_t{0x00}, uint8_t{0x80}, uint8_t{0xFF}, static_cast<uint8_t>(module[i] ^ 1)}) {
      Bytes mutated = module;
      mutated[i] = value;
      try {
        build(mutated, image, sample_globals());
      } catch (const SnapshotError&) {
      }
    }
  }
}

TEST(SnapshotBuilder, RejectsOverlongLeb128) {
  Bytes module = assemble({{1, vec({{0x60, 0x00, 0x00}})}});
  // A section whose size field takes six bytes.
  Bytes padded = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x84,
                  0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x60, 0x00, 0x00};
  expect_error([&] { build(padded, Bytes(kWasmPageSize, 0)); }, "too long");
  // A five-byte (padded) size is legal and must be copied verbatim.
  Bytes five = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x05,
                0x83, 0x80, 0x80, 0x80, 0x00, 0x01, 0x00, 0x01};
  auto sections = read_sections(five);
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].raw.size(), 9u);
}

TEST(SnapshotBuilder, RejectsSectionSizePastEnd) {
  Bytes module = assemble(standard_sections());
  module.push_back(0x00);  // a custom section claiming 100 bytes, with none present
  module.push_back(100);
  expect_error([&] { build(module, Bytes(kWasmPageSize, 0)); }, "past the end");
}

TEST(SnapshotBuilder, RejectsDuplicateOrMisorderedSections) {
  auto sections = standard_sections();
  sections.push_back({5, memory_payload({0x00, 0x01})});
  expect_error([&] { build(assemble(sections), Bytes(kWasmPageSize, 0)); }, "out of order");
}

TEST(SnapshotBuilder, RejectsImagesThatDoNotFit) {
  const Bytes module = assemble(standard_sections());
  expect_error([&] { build(module, Bytes(kWasmPageSize + 1, 0)); }, "multiple of the 64 KiB");
  expect_error([&] { build(module, Bytes(17 * kWasmPageSize, 0)); }, "maximum of 16");
  const Bytes min4 = assemble(replaced(standard_sections(), 5, memory_payload({0x00, 0x04})));
  expect_error([&] { build(min4, Bytes(2 * kWasmPageSize, 0)); }, "minimum of 4");
}

TEST(SnapshotBuilder, RejectsUnsupportedGlobals) {
  const Bytes module = assemble(standard_sections());
  const Bytes image(kWasmPageSize, 0);
  expect_error([&] { build(module, image, {{"nope", 1}}); }, "not exported");
  expect_error([&] { build(module, image, {{"_initialize", 1}}); }, "not a global");
  expect_error([&] { build(module, image, {{"const_g", 1}}); }, "immutable");
  expect_error([&] { build(module, image, {{"imported_g", 1}}); }, "imported");
  expect_error([&] { build(module, image, {{"f64_g", 1}}); }, "neither i32 nor i64");
  expect_error([&] { build(module, image, {{"__stack_pointer", uint64_t{1} << 32}}); },
               "does not fit");
  expect_error([&] { build(module, image, {{"counter64", 1}, {"counter64", 2}}); },
               "more than once");
  // i32.add is an extended constant expression: not supported.
  const Bytes bad_expr = assemble(
      replaced(standard_sections(), 6, vec({{0x7F, 0x01, 0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B}})));
  expect_error([&] { build(bad_expr, image); }, "constant expression");
}

TEST(SnapshotBuilder, RejectsUnsupportedMemories) {
  const Bytes image(kWasmPageSize, 0);
  expect_error([&] { build(assemble(without(standard_sections(), 5)), image); },
               "defines 0 memories");
  expect_error(
      [&] {
        build(assemble(replaced(standard_sections(), 5, vec({{0x00, 0x01}, {0x00, 0x01}}))), image);
      },
      "defines 2 memories");
  expect_error(
      [&] {
        build(assemble(replaced(standard_sections(), 5, memory_payload({0x03, 0x01, 0x10}))),
              image);
      },
      "shared");
  expect_error(
      [&] {
        build(assemble(replaced(standard_sections(), 5, memory_payload({0x04, 0x01}))), image);
      },
      "memory64");
  auto imported = without(standard_sections(), 5);
  imported = replaced(imported, 2,
                      vec({cat({str("env"), str("f"), {0x00}, uleb(0)}),
                           cat({str("env"), str("g"), {0x03, 0x7F, 0x00}}),
                           cat({str("env"), str("memory"), {0x02, 0x00, 0x01}})}));
  expect_error([&] { build(assemble(imported), image); }, "imports its memory");
}

TEST(SnapshotBuilder, RejectsPassiveDataSegments) {
  const Bytes passive = assemble(
      replaced(standard_sections(), 11, vec({active_segment(0, "x"), cat({{0x01}, str("p")})})));
  expect_error([&] { build(passive, Bytes(kWasmPageSize, 0)); }, "passive");
}

}  // namespace
}  // namespace eryx::snapshot
