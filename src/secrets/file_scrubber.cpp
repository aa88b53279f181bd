#include "secrets/file_scrubber.h"

#include <cstdint>
#include <span>

namespace eryx::secrets {

std::optional<std::string> scrub_file_bytes(const Scrubber& scrubber, std::string_view bytes) {
  if (!scrubber.contains_needle(bytes)) return std::nullopt;
  return scrubber.scrub(bytes);
}

vfs::Status scrub_file(const Scrubber& scrubber, vfs::File& file) {
  if (file.is_image() || file.read_only()) return vfs::Status::kOk;
  auto scrubbed = scrub_file_bytes(scrubber, file.contents());
  if (!scrubbed) return vfs::Status::kOk;
  uint64_t old_size = file.size();
  uint64_t new_size = scrubbed->size();
  if (new_size > old_size) {
    // Charge the growth first: File::resize changes nothing when the quota refuses it.
    if (vfs::Status s = file.resize(new_size); s != vfs::Status::kOk) {
      (void)file.resize(0);  // a shrink cannot fail
      return s;
    }
  }
  vfs::ConstBytes bytes(reinterpret_cast<const uint8_t*>(scrubbed->data()), scrubbed->size());
  if (vfs::Status s = file.write(0, std::span<const vfs::ConstBytes>(&bytes, 1));
      s != vfs::Status::kOk) {
    (void)file.resize(0);
    return s;
  }
  if (new_size < old_size) return file.resize(new_size);
  return vfs::Status::kOk;
}

}  // namespace eryx::secrets
