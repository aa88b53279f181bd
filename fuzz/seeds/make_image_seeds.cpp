// Writes the fuzz seeds taken from real artefacts into a corpus directory (fuzz/corpus):
//   session_image/real_session   the payload of a real Session snapshot (files, links, a symlink,
//                                an unlinked file and a directory held open, the stdlib zip open)
//   wasi_state/real_session      its WASI state
//   vfs_tree/real_session        its tree with references to every open node
//   factory_image/real_factory   the payload of a real SandboxFactory file (imports, a package)
//   wasm_reader/real_guest       the guest module, without code and with four data segments
// Memory pages are cut to two short runs so the seeds stay small: the fuzzers mutate structure,
// and a page's bytes are opaque to every decoder.
//   usage: eryx_fuzz_seeds CORPUS_DIR
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "eryx/eryx.hpp"
#include "fuzz_support.h"
#include "snapshot/factory_image.h"
#include "snapshot/leb128.h"
#include "snapshot/memory_state_codec.h"
#include "snapshot/session_image.h"
#include "snapshot/wasm_reader.h"
#include "vfs/tree_codec.h"

namespace fs = std::filesystem;
namespace snap = eryx::snapshot;

namespace {

void write(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  std::printf("%s: %zu bytes\n", path.c_str(), bytes.size());
}

// The fingerprint and payload of an image envelope (snapshot/image_envelope.h).
std::pair<std::string, std::string> open_envelope(std::string_view image) {
  eryx::codec::Reader in(image.substr(0, image.size() - 32));
  in.take(8);
  in.u32();
  std::string fingerprint(in.bytes());
  return {fingerprint, std::string(in.bytes())};
}

template <typename Pages>
snap::PageViews few_pages(const Pages& pages) {
  snap::PageViews views;
  for (size_t i = 0; i < pages.size() && i < 2; ++i) {
    std::string_view bytes = pages[i].second;
    views.emplace_back(pages[i].first, bytes.substr(0, 256));
  }
  return views;
}

void session_seeds(const fs::path& corpus) {
  eryx::Session session;
  session.execute(R"(
import os
os.makedirs('/tmp/pkg/sub', exist_ok=True)
with open('/tmp/pkg/sub/data.txt', 'w') as f:
    f.write('hello ' * 20)
os.symlink('pkg/sub/data.txt', '/tmp/link')
os.link('/tmp/pkg/sub/data.txt', '/tmp/hard')
os.mkdir('/tmp/empty')
kept = open('/tmp/pkg/sub/data.txt')
kept.read(7)
gone = open('/tmp/gone.txt', 'w+')
gone.write('unlinked but open')
os.remove('/tmp/gone.txt')
os.mkdir('/tmp/removed')
removed_fd = os.open('/tmp/removed', os.O_RDONLY)
os.rmdir('/tmp/removed')
pkg_fd = os.open('/tmp/pkg', os.O_RDONLY)
stdlib = open('/usr/local/lib/python313.zip', 'rb')
stdlib.read(4)
)");
  auto bytes = session.snapshot();
  auto [fingerprint, full_payload] = open_envelope(bytes);
  auto image = snap::parse_session_image(bytes, fingerprint);

  eryx::codec::Writer payload;
  payload.u64(image.execution_count);
  snap::write_memory_state(payload, image.memory_size, image.globals, few_pages(image.pages));
  payload.bytes(image.wasi_state);
  write(corpus / "session_image" / "real_session", payload.str());
  write(corpus / "wasi_state" / "real_session", image.wasi_state);

  auto context = eryx::fuzz::fresh_context();
  eryx::codec::Reader in(image.wasi_state);
  eryx::wasi::decode_state(in, *context);
  eryx::vfs::TreeEncoder tree(*context->shared_vfs());
  std::vector<eryx::vfs::NodePtr> nodes;
  for (uint32_t fd = 0; fd < context->fd_table().max_fds(); ++fd) {
    if (auto* entry = context->fd_table().get(fd); entry && entry->handle) {
      const auto& node = static_cast<const eryx::vfs::TreeHandle&>(*entry->handle).node();
      tree.add(node);
      nodes.push_back(node);
    }
  }
  eryx::codec::Writer refs;
  tree.write(refs);
  for (const auto& node : nodes) tree.write_ref(refs, node);
  write(corpus / "vfs_tree" / "real_session", refs.str());
}

void factory_seed(const fs::path& corpus) {
  auto dir = fs::temp_directory_path() / "eryx-fuzz-seed-packages";
  fs::create_directories(dir / "seedpkg");
  std::ofstream(dir / "seedpkg" / "__init__.py") << "VALUE = 42\n";
  std::ofstream(dir / "seedpkg" / "util.py") << "def twice(x):\n    return 2 * x\n";
  eryx::FactoryOptions options;
  options.site_packages = dir;
  options.imports = {"json", "seedpkg"};
  eryx::SandboxFactory factory(options);
  auto bytes = factory.to_bytes();
  fs::remove_all(dir);

  auto [fingerprint, full_payload] = open_envelope(bytes);
  auto image = snap::FactoryImage::deserialize(bytes, fingerprint);
  eryx::codec::Writer payload;
  snap::write_memory_state(payload, image.memory_size, image.globals, few_pages(image.pages));
  payload.u32(static_cast<uint32_t>(image.files.size()));
  for (const auto& [path, data] : image.files) {
    payload.bytes(path);
    payload.bytes(*data);
  }
  write(corpus / "factory_image" / "real_factory", payload.str());
}

void append_section(std::vector<uint8_t>& out, uint8_t id, const std::vector<uint8_t>& payload) {
  out.push_back(id);
  snap::leb128::encode_u32(static_cast<uint32_t>(payload.size()), out);
  out.insert(out.end(), payload.begin(), payload.end());
}

// The guest's sections as they are, except: no custom sections, an empty code section, a memory
// of two pages (so the fuzzer's builder step runs on it) and at most four data segments, cut.
void wasm_seed(const fs::path& corpus, const fs::path& guest) {
  std::ifstream file(guest, std::ios::binary);
  std::vector<uint8_t> module((std::istreambuf_iterator<char>(file)), {});
  std::vector<uint8_t> out(module.begin(), module.begin() + snap::kWasmHeaderSize);
  uint32_t segments = 0;
  for (const auto& section : snap::read_sections(module)) {
    if (section.id == snap::kSectionData) {
      segments = std::min<uint32_t>(snap::parse_data_section(section).size(), 4);
    }
  }
  for (const auto& section : snap::read_sections(module)) {
    std::vector<uint8_t> payload;
    switch (section.id) {
      case snap::kSectionCustom:
        continue;
      case snap::kSectionCode:
        payload.push_back(0);
        break;
      case snap::kSectionMemory: {
        auto limits = snap::parse_memory_section(section).at(0);
        limits.min = 2;
        payload.push_back(1);
        snap::write_limits(limits, payload);
        break;
      }
      case snap::kSectionDataCount:
        snap::leb128::encode_u32(segments, payload);
        break;
      case snap::kSectionData: {
        auto all = snap::parse_data_section(section);
        snap::leb128::encode_u32(segments, payload);
        for (uint32_t i = 0; i < segments; ++i) {
          payload.push_back(0);  // active, memory 0
          payload.insert(payload.end(), all[i].offset_expr.begin(), all[i].offset_expr.end());
          auto bytes = all[i].bytes.first(std::min<size_t>(all[i].bytes.size(), 64));
          snap::leb128::encode_u32(static_cast<uint32_t>(bytes.size()), payload);
          payload.insert(payload.end(), bytes.begin(), bytes.end());
        }
        break;
      }
      default:
        payload.assign(section.payload.begin(), section.payload.end());
    }
    append_section(out, section.id, payload);
  }
  write(corpus / "wasm_reader" / "real_guest",
        std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  fs::path corpus = argv[1];
  session_seeds(corpus);
  factory_seed(corpus);
  wasm_seed(corpus, ERYX_FUZZ_GUEST_WASM);
  return 0;
}
