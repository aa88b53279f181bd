// The Wasm reader and the snapshot module builder (src/snapshot/) over arbitrary modules: every
// section parser on what read_sections finds, then build_snapshot_module with a memory image that
// fits the module's memory. A module it builds must read back, and its data segments must recreate
// the image exactly.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "fuzz_support.h"
#include "snapshot/module_builder.h"
#include "snapshot/wasm_reader.h"

namespace snap = eryx::snapshot;

namespace {

constexpr uint32_t kMaxImagePages = 4;

void parse_every_section(const std::vector<snap::Section>& sections) {
  for (const auto& section : sections) {
    try {
      switch (section.id) {
        case snap::kSectionImport:
          snap::parse_import_section(section);
          break;
        case snap::kSectionMemory:
          snap::parse_memory_section(section);
          break;
        case snap::kSectionGlobal:
          for (const auto& global : snap::parse_global_section(section)) {
            (void)snap::const_expr_value(global.init_expr);
          }
          break;
        case snap::kSectionExport:
          snap::parse_export_section(section);
          break;
        case snap::kSectionData:
          for (const auto& segment : snap::parse_data_section(section)) {
            if (!segment.passive) (void)snap::const_expr_value(segment.offset_expr);
          }
          break;
        case snap::kSectionDataCount:
          snap::parse_data_count_section(section);
          break;
        default:
          break;
      }
    } catch (const snap::SnapshotError&) {
    }
  }
}

// The image the builder's data section must reproduce.
void check_rebuilt(std::span<const uint8_t> built, std::span<const uint8_t> memory) {
  std::vector<snap::Section> sections;
  try {
    sections = snap::read_sections(built);
  } catch (const snap::SnapshotError&) {
    eryx::fuzz::fail("a built snapshot module does not read back");
  }
  std::vector<uint8_t> image(memory.size());
  if (const auto* data = snap::find_section(sections, snap::kSectionData)) {
    for (const auto& segment : snap::parse_data_section(*data)) {
      auto offset = snap::const_expr_value(segment.offset_expr);
      if (segment.passive || segment.memory != 0 || !offset || *offset < 0 ||
          static_cast<uint64_t>(*offset) > image.size() ||
          segment.bytes.size() > image.size() - static_cast<uint64_t>(*offset)) {
        eryx::fuzz::fail("a built data segment does not fit the image");
      }
      std::memcpy(image.data() + *offset, segment.bytes.data(), segment.bytes.size());
    }
  }
  if (!std::equal(image.begin(), image.end(), memory.begin())) {
    eryx::fuzz::fail("a built module's data does not recreate the image");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> module(data, size);
  std::vector<snap::Section> sections;
  try {
    sections = snap::read_sections(module);
  } catch (const snap::SnapshotError&) {
    return 0;
  }
  parse_every_section(sections);

  // A memory image the size of the module's minimum (when small), with non-zero runs of varied
  // lengths and gaps taken from the module's own bytes.
  uint32_t pages = 1;
  try {
    if (const auto* memory = snap::find_section(sections, snap::kSectionMemory)) {
      auto limits = snap::parse_memory_section(*memory);
      if (!limits.empty()) pages = std::max<uint32_t>(limits[0].min, 1);
    }
  } catch (const snap::SnapshotError&) {
  }
  if (pages > kMaxImagePages) return 0;
  std::vector<uint8_t> image(pages * snap::kWasmPageSize);
  for (size_t i = 0, at = 0; i < size && at < image.size(); ++i) {
    at += static_cast<size_t>(data[i]) * 97;  // gaps of 0 to ~24 KiB
    if (at < image.size()) image[at] = data[i] | 1;
  }
  // With the global the guest's snapshot sets, and without (most fuzzed modules lack it).
  for (bool with_global : {true, false}) {
    snap::SnapshotInput input{module, image, {}};
    if (with_global) input.globals.push_back({"__stack_pointer", 1024});
    std::vector<uint8_t> built;
    try {
      built = snap::build_snapshot_module(input);
    } catch (const snap::SnapshotError&) {
      continue;
    }
    check_rebuilt(built, image);
  }
  return 0;
}
