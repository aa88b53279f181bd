#include "secrets/file_scrubber.h"

#include <cstdint>
#include <span>
#include <unordered_set>
#include <vector>

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

size_t scrub_tree(const Scrubber& scrubber, const vfs::DirPtr& root) {
  size_t rewritten = 0;
  std::vector<vfs::DirPtr> pending{root};
  std::unordered_set<const vfs::Node*> seen;  // hard links: one scan per file
  while (!pending.empty()) {
    vfs::DirPtr dir = std::move(pending.back());
    pending.pop_back();
    dir->visit_from(0, [&](uint64_t, const vfs::Directory::Entry& entry) {
      const vfs::NodePtr& node = entry.node;
      if (node->is_directory()) {
        pending.push_back(std::static_pointer_cast<vfs::Directory>(node));
      } else if (node->is_file() && seen.insert(node.get()).second) {
        auto& file = static_cast<vfs::File&>(*node);
        if (file.is_image() || file.read_only() || file.scrubbed_version == file.version()) {
          return true;
        }
        if (scrubber.contains_needle(file.contents())) {
          (void)scrub_file(scrubber, file);
          ++rewritten;
        }
        file.scrubbed_version = file.version();
      }
      return true;
    });
  }
  return rewritten;
}

}  // namespace eryx::secrets
