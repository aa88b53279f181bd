#include "snapshot/module_builder.h"

#include <cstring>
#include <limits>
#include <optional>
#include <unordered_map>

#include "snapshot/leb128.h"
#include "snapshot/wasm_reader.h"

namespace eryx::snapshot {
namespace {

struct Range {
  size_t begin;
  size_t end;  // one past the last non-zero byte
};

// First index >= i whose byte is non-zero, or memory.size(). Zero pages dominate a fresh heap,
// so whole words are tested at a time.
size_t next_nonzero(std::span<const uint8_t> memory, size_t i) {
  const size_t n = memory.size();
  while (i < n && (i % sizeof(uint64_t)) != 0 && memory[i] == 0) ++i;
  if (i < n && memory[i] != 0) return i;
  while (i + sizeof(uint64_t) <= n) {
    uint64_t word;
    std::memcpy(&word, memory.data() + i, sizeof(word));
    if (word != 0) break;
    i += sizeof(uint64_t);
  }
  while (i < n && memory[i] == 0) ++i;
  return i;
}

size_t next_zero(std::span<const uint8_t> memory, size_t i) {
  while (i < memory.size() && memory[i] != 0) ++i;
  return i;
}

// Non-zero stretches of the image, split only at zero runs of at least `min_gap` bytes.
std::vector<Range> nonzero_ranges(std::span<const uint8_t> memory, size_t min_gap) {
  std::vector<Range> ranges;
  const size_t n = memory.size();
  size_t i = next_nonzero(memory, 0);
  while (i < n) {
    Range range{i, i};
    for (;;) {
      range.end = next_zero(memory, i);
      i = next_nonzero(memory, range.end);
      if (i == n || i - range.end >= min_gap) break;
    }
    ranges.push_back(range);
  }
  return ranges;
}

// Merges neighbours separated by fewer than `min_gap` zero bytes.
std::vector<Range> merge_ranges(const std::vector<Range>& ranges, size_t min_gap) {
  std::vector<Range> merged;
  for (const Range& range : ranges) {
    if (!merged.empty() && range.begin - merged.back().end < min_gap) {
      merged.back().end = range.end;
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

std::vector<Range> plan_segments(std::span<const uint8_t> memory) {
  size_t gap = kMinZeroGap;
  std::vector<Range> ranges = nonzero_ranges(memory, gap);
  while (ranges.size() > kMaxDataSegments) {
    gap *= 2;  // terminates: once gap exceeds the image size everything merges into one range
    ranges = merge_ranges(ranges, gap);
  }
  return ranges;
}

void append_section(uint8_t id, const std::vector<uint8_t>& payload, std::vector<uint8_t>& out) {
  if (payload.size() > std::numeric_limits<uint32_t>::max()) {
    throw SnapshotError("section " + std::to_string(id) + " would exceed 4 GiB");
  }
  out.push_back(id);
  leb128::encode_u32(static_cast<uint32_t>(payload.size()), out);
  out.insert(out.end(), payload.begin(), payload.end());
}

std::vector<uint8_t> data_section_payload(std::span<const uint8_t> memory,
                                          const std::vector<Range>& ranges) {
  size_t total = 5;
  for (const Range& range : ranges) total += 16 + (range.end - range.begin);
  std::vector<uint8_t> payload;
  payload.reserve(total);
  leb128::encode_u32(static_cast<uint32_t>(ranges.size()), payload);
  for (const Range& range : ranges) {
    payload.push_back(0x00);  // active, memory 0
    payload.push_back(0x41);  // i32.const: addresses are unsigned, the encoding is signed
    leb128::encode_s32(static_cast<int32_t>(static_cast<uint32_t>(range.begin)), payload);
    payload.push_back(0x0B);
    leb128::encode_u32(static_cast<uint32_t>(range.end - range.begin), payload);
    payload.insert(payload.end(), memory.begin() + range.begin, memory.begin() + range.end);
  }
  return payload;
}

struct MemoryPlan {
  Limits limits;
  uint32_t pages;
};

MemoryPlan plan_memory(const std::vector<Section>& sections, const ImportCounts& imports,
                       size_t image_size) {
  if (image_size % kWasmPageSize != 0) {
    throw SnapshotError("memory image size " + std::to_string(image_size) +
                        " is not a multiple of the 64 KiB page size");
  }
  if (imports.memories != 0) {
    throw SnapshotError("the module imports its memory; only a defined memory can be snapshotted");
  }
  const Section* section = find_section(sections, kSectionMemory);
  const std::vector<Limits> memories =
      section ? parse_memory_section(*section) : std::vector<Limits>{};
  if (memories.size() != 1) {
    throw SnapshotError("the module defines " + std::to_string(memories.size()) +
                        " memories; exactly one is required");
  }
  const size_t pages = image_size / kWasmPageSize;
  MemoryPlan plan{memories[0], 0};
  if (pages > 65536) {
    throw SnapshotError("memory image of " + std::to_string(pages) +
                        " pages exceeds the 4 GiB limit of a 32-bit memory");
  }
  if (pages < plan.limits.min) {
    throw SnapshotError("memory image of " + std::to_string(pages) +
                        " pages is smaller than the memory's minimum of " +
                        std::to_string(plan.limits.min) + " pages");
  }
  if (plan.limits.max && pages > *plan.limits.max) {
    throw SnapshotError("memory image of " + std::to_string(pages) +
                        " pages exceeds the memory's maximum of " +
                        std::to_string(*plan.limits.max) + " pages");
  }
  plan.pages = static_cast<uint32_t>(pages);
  return plan;
}

// Maps each defined global index (not counting imports) to the init expression it must get.
std::unordered_map<uint32_t, std::vector<uint8_t>> plan_globals(
    const std::vector<Section>& sections, const ImportCounts& imports,
    const std::vector<GlobalEntry>& globals, const std::vector<GlobalValue>& values) {
  std::unordered_map<std::string_view, Export> exports;
  if (const Section* section = find_section(sections, kSectionExport)) {
    for (const Export& entry : parse_export_section(*section)) exports.emplace(entry.name, entry);
  }
  std::unordered_map<uint32_t, std::vector<uint8_t>> rewrites;
  for (const GlobalValue& value : values) {
    const std::string& name = value.export_name;
    auto it = exports.find(name);
    if (it == exports.end()) throw SnapshotError("global \"" + name + "\" is not exported");
    if (it->second.kind != kExternGlobal) {
      throw SnapshotError("export \"" + name + "\" is not a global");
    }
    if (it->second.index < imports.globals) {
      throw SnapshotError("global \"" + name + "\" is imported; its value is not the module's");
    }
    const uint32_t index = it->second.index - imports.globals;
    if (index >= globals.size()) {
      throw SnapshotError("export \"" + name + "\" names global " +
                          std::to_string(it->second.index) + ", which does not exist");
    }
    const GlobalEntry& global = globals[index];
    if (!global.is_mutable) throw SnapshotError("global \"" + name + "\" is immutable");
    std::vector<uint8_t> expr;
    if (global.valtype == kValTypeI32) {
      if (value.value > std::numeric_limits<uint32_t>::max()) {
        throw SnapshotError("value " + std::to_string(value.value) + " of global \"" + name +
                            "\" does not fit its i32 type");
      }
      expr.push_back(0x41);
      leb128::encode_s32(static_cast<int32_t>(static_cast<uint32_t>(value.value)), expr);
    } else if (global.valtype == kValTypeI64) {
      expr.push_back(0x42);
      leb128::encode_s64(static_cast<int64_t>(value.value), expr);
    } else {
      throw SnapshotError("global \"" + name + "\" is neither i32 nor i64");
    }
    expr.push_back(0x0B);
    if (!rewrites.emplace(index, std::move(expr)).second) {
      throw SnapshotError("global \"" + name + "\" is given more than once");
    }
  }
  return rewrites;
}

std::vector<uint8_t> global_section_payload(
    const std::vector<GlobalEntry>& globals,
    const std::unordered_map<uint32_t, std::vector<uint8_t>>& rewrites) {
  std::vector<uint8_t> payload;
  leb128::encode_u32(static_cast<uint32_t>(globals.size()), payload);
  for (uint32_t i = 0; i < globals.size(); ++i) {
    payload.push_back(globals[i].valtype);
    payload.push_back(globals[i].is_mutable ? 0x01 : 0x00);
    auto it = rewrites.find(i);
    const auto& expr =
        it != rewrites.end() ? std::span<const uint8_t>(it->second) : globals[i].init_expr;
    payload.insert(payload.end(), expr.begin(), expr.end());
  }
  return payload;
}

}  // namespace

std::vector<uint8_t> build_snapshot_module(const SnapshotInput& input) {
  const std::vector<Section> sections = read_sections(input.original_module);

  ImportCounts imports;
  if (const Section* section = find_section(sections, kSectionImport)) {
    imports = parse_import_section(*section);
  }
  const MemoryPlan memory = plan_memory(sections, imports, input.memory.size());

  std::vector<GlobalEntry> globals;
  if (const Section* section = find_section(sections, kSectionGlobal)) {
    globals = parse_global_section(*section);
  }
  const auto rewrites = plan_globals(sections, imports, globals, input.globals);

  if (const Section* section = find_section(sections, kSectionData)) {
    for (const DataSegment& segment : parse_data_section(*section)) {
      // A passive segment is copied by code at run time; the image cannot stand in for it.
      if (segment.passive) throw SnapshotError("the module has passive data segments");
    }
  }
  if (const Section* section = find_section(sections, kSectionDataCount)) {
    parse_data_count_section(*section);  // validates it before it is replaced
  }

  const std::vector<Range> ranges = plan_segments(input.memory);
  const std::vector<uint8_t> data_payload = data_section_payload(input.memory, ranges);
  const bool has_data_section = find_section(sections, kSectionData) != nullptr;
  // Without a data section of its own, the new one goes after the last non-custom section (data
  // comes last in the spec's order; plan_memory guaranteed there is a memory section); nothing is
  // needed if the image is all zeros.
  size_t insert_after = sections.size();
  if (!has_data_section && !ranges.empty()) {
    for (size_t i = 0; i < sections.size(); ++i) {
      if (sections[i].id != kSectionCustom) insert_after = i;
    }
  }

  std::vector<uint8_t> out;
  out.reserve(input.original_module.size() + data_payload.size());
  out.insert(out.end(), input.original_module.begin(),
             input.original_module.begin() + kWasmHeaderSize);
  for (size_t i = 0; i < sections.size(); ++i) {
    const Section& section = sections[i];
    std::vector<uint8_t> payload;
    switch (section.id) {
      case kSectionMemory: {
        Limits limits = memory.limits;
        limits.min = memory.pages;
        leb128::encode_u32(1, payload);
        write_limits(limits, payload);
        append_section(section.id, payload, out);
        break;
      }
      case kSectionGlobal:
        if (rewrites.empty()) {
          out.insert(out.end(), section.raw.begin(), section.raw.end());
        } else {
          append_section(section.id, global_section_payload(globals, rewrites), out);
        }
        break;
      case kSectionData:
        append_section(section.id, data_payload, out);
        break;
      case kSectionDataCount:
        leb128::encode_u32(static_cast<uint32_t>(ranges.size()), payload);
        append_section(section.id, payload, out);
        break;
      default:
        out.insert(out.end(), section.raw.begin(), section.raw.end());
        break;
    }
    if (i == insert_after) append_section(kSectionData, data_payload, out);
  }
  return out;
}

}  // namespace eryx::snapshot
