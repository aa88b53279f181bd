// The VFS tree codec alone (vfs/tree_codec.h): a tree and references into it read into a fresh
// default layout, then written and read again to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "vfs/tree_codec.h"

namespace {

std::string encode(const eryx::vfs::Vfs& vfs, const std::vector<eryx::vfs::NodePtr>& refs) {
  eryx::vfs::TreeEncoder encoder(vfs);
  for (const auto& node : refs) {
    if (node) encoder.add(node);
  }
  eryx::codec::Writer out;
  encoder.write(out);
  for (const auto& node : refs) encoder.write_ref(out, node);
  return std::move(out.str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  eryx::codec::Reader in(std::string_view(reinterpret_cast<const char*>(data), size));
  auto vfs = eryx::fuzz::fresh_layout();
  std::vector<eryx::vfs::NodePtr> refs;
  try {
    eryx::vfs::TreeDecoder decoder(in, *vfs);
    // References are what an fd table holds: read them until the input ends.
    while (!in.done() && refs.size() < 64) refs.push_back(decoder.read_ref(in));
  } catch (const eryx::codec::DecodeError&) {
    return 0;
  } catch (const eryx::vfs::TreeTooLarge&) {
    return 0;
  }
  if (!in.done()) return 0;

  std::string first;
  try {
    first = encode(*vfs, refs);
  } catch (const std::runtime_error&) {
    eryx::fuzz::fail("a decoded tree cannot be encoded again");
  }
  auto again = eryx::fuzz::fresh_layout();
  eryx::codec::Reader reread(first);
  std::vector<eryx::vfs::NodePtr> refs_again;
  try {
    eryx::vfs::TreeDecoder decoder(reread, *again);
    for (size_t i = 0; i < refs.size(); ++i) refs_again.push_back(decoder.read_ref(reread));
  } catch (const std::exception&) {
    eryx::fuzz::fail("an encoded tree cannot be decoded");
  }
  if (!reread.done()) eryx::fuzz::fail("an encoded tree leaves trailing bytes");
  if (encode(*again, refs_again) != first) eryx::fuzz::fail("a tree changes when encoded again");
  return 0;
}
