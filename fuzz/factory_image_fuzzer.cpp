// SandboxFactory files (SandboxFactory::load): the envelope and the payload decoder. The input is
// used twice: as a whole file (magic, checksum, version, fingerprint checks) and as a payload
// sealed with a valid envelope, since a checksum proves nothing about origin and the payload reader
// must hold on its own.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "eryx/errors.hpp"
#include "snapshot/factory_image.h"
#include "snapshot/image_envelope.h"

namespace {

constexpr std::string_view kFingerprint = "eryx-0.1/fuzz";
constexpr eryx::snapshot::ImageKind kFactoryKind{
    .magic = "ERYXFACT", .version = 1, .name = "SandboxFactory"};

void load(std::string_view file) {
  try {
    auto image = eryx::snapshot::FactoryImage::deserialize(file, kFingerprint);
    // What a load does next: restoring copies every page into a memory of memory_size bytes.
    for (const auto& [offset, bytes] : image.pages) {
      if (offset > image.memory_size || bytes.size() > image.memory_size - offset) std::abort();
    }
    (void)image.size_bytes();
  } catch (const eryx::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  load(input);
  load(eryx::snapshot::seal_image(kFactoryKind, kFingerprint, input));
  return 0;
}
