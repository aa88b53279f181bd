#include "packages/package_set.h"

#include <fstream>
#include <iterator>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>

#include "eryx/errors.hpp"
#include "net/quote.h"
#include "util/sha256.h"

namespace eryx::packages {
namespace {

namespace fs = std::filesystem;

// Weak references by content hash. Expired entries are swept when the map has doubled since the
// last sweep, so the map stays proportional to what is alive.
template <typename T>
class WeakCache {
 public:
  std::shared_ptr<T> find(const std::string& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second.lock();
  }
  void insert(const std::string& key, const std::shared_ptr<T>& value) {
    entries_[key] = value;
    if (entries_.size() >= 2 * swept_size_ + 64) {
      std::erase_if(entries_, [](const auto& entry) { return entry.second.expired(); });
      swept_size_ = entries_.size();
    }
  }
  template <typename F>
  void for_each_alive(F&& f) const {
    for (const auto& [key, weak] : entries_) {
      if (auto value = weak.lock()) f(*value);
    }
  }

 private:
  std::unordered_map<std::string, std::weak_ptr<T>> entries_;
  size_t swept_size_ = 0;
};

// Archives decoded lately, held strongly so that creating and dropping sandboxes one after the
// other does not decompress the same wheel each time. Bounded by count and bytes.
constexpr size_t kRecentArchives = 8;
constexpr uint64_t kRecentBytes = 64ull * 1024 * 1024;

struct Cache {
  std::mutex mutex;
  WeakCache<const std::string> files;
  WeakCache<const Package> archives;
  std::list<std::pair<std::shared_ptr<const Package>, uint64_t>> recent;  // newest first, bytes
  uint64_t recent_bytes = 0;
  uint64_t archives_decoded = 0;

  // Under `mutex`: makes `package` the newest of the recent archives.
  void touch(const std::shared_ptr<const Package>& package) {
    for (auto it = recent.begin(); it != recent.end(); ++it) {
      if (it->first == package) {
        recent.splice(recent.begin(), recent, it);
        return;
      }
    }
    uint64_t bytes = 0;
    for (const auto& file : package->files) bytes += file.second->size();
    recent.emplace_front(package, bytes);
    recent_bytes += bytes;
    while (!recent.empty() && (recent.size() > kRecentArchives || recent_bytes > kRecentBytes)) {
      recent_bytes -= recent.back().second;
      recent.pop_back();
    }
  }
};

Cache& cache() {
  static Cache* instance = new Cache();  // never destroyed: sandboxes may outlive static teardown
  return *instance;
}

SharedBytes intern(std::string bytes) {
  auto key = util::sha256(bytes);
  auto& c = cache();
  std::lock_guard lock(c.mutex);
  if (auto existing = c.files.find(key)) return existing;
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  c.files.insert(key, shared);
  return shared;
}

std::string read_host_file(const fs::path& path, uint64_t max_bytes, const std::string& what) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) {
    throw InitializationError("eryx: cannot read " + what + " " + path.string() + ": " +
                              ec.message());
  }
  if (size > max_bytes) {
    throw InvalidArgumentError("eryx: " + what + " " + path.string() + " is larger than " +
                               std::to_string(max_bytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(std::istreambuf_iterator<char>(in), {});
  if (!in.good() && !in.eof()) throw InitializationError("eryx: cannot read " + path.string());
  if (bytes.size() != size) throw InitializationError("eryx: " + path.string() + " changed");
  return bytes;
}

bool ends_with(const std::string& text, std::string_view suffix) { return text.ends_with(suffix); }

// A wheel's files as installed: `<name>.data/purelib/` and `/platlib/` contents at the root, its
// other .data folders (scripts, headers, data) left out.
std::vector<ArchiveFile> wheel_layout(std::vector<ArchiveFile> files) {
  std::vector<ArchiveFile> out;
  for (auto& file : files) {
    auto slash = file.path.find('/');
    if (slash != std::string::npos &&
        std::string_view(file.path).substr(0, slash).ends_with(".data")) {
      auto rest = std::string_view(file.path).substr(slash + 1);
      for (std::string_view scheme : {"purelib/", "platlib/"}) {
        if (rest.starts_with(scheme) && rest.size() > scheme.size()) {
          out.push_back({std::string(rest.substr(scheme.size())), std::move(file.bytes)});
        }
      }
      continue;
    }
    out.push_back(std::move(file));
  }
  return out;
}

// A tarball's tree under its shallowest `site-packages` folder, or all of it when it has none.
std::vector<ArchiveFile> tarball_layout(const std::string& source, std::vector<ArchiveFile> files) {
  std::optional<std::string> root;  // "prefix/site-packages/"
  size_t root_depth = SIZE_MAX;
  for (const auto& file : files) {
    size_t depth = 0;
    for (size_t start = 0; start < file.path.size(); ++depth) {
      size_t end = file.path.find('/', start);
      if (end == std::string::npos) break;  // the last component is the file itself
      if (std::string_view(file.path).substr(start, end - start) == "site-packages") {
        auto prefix = file.path.substr(0, end + 1);
        if (depth < root_depth) {
          root = prefix, root_depth = depth;
        } else if (depth == root_depth && prefix != *root) {
          throw InvalidArgumentError("eryx: package " + source +
                                     " has two site-packages folders (" + net::quote(*root) +
                                     " and " + net::quote(prefix) + ")");
        }
        break;
      }
      start = end + 1;
    }
  }
  if (!root) return files;
  std::vector<ArchiveFile> out;
  for (auto& file : files) {
    if (file.path.starts_with(*root)) {
      out.push_back({file.path.substr(root->size()), std::move(file.bytes)});
    }
  }
  return out;
}

std::shared_ptr<const Package> load_archive(const fs::path& path, ArchiveKind kind,
                                            const Limits& limits) {
  auto source = path.string();
  auto bytes = read_host_file(path, limits.max_archive_bytes, "package");
  auto key = util::sha256(bytes) + (kind == ArchiveKind::kZip ? "zip" : "tar");
  {
    auto& c = cache();
    std::lock_guard lock(c.mutex);
    if (auto cached = c.archives.find(key)) {
      c.touch(cached);
      if (cached->source == source) return cached;
      auto renamed = std::make_shared<Package>(*cached);  // shares the bytes; names this path
      renamed->source = source;
      renamed->keep_alive = cached;
      return renamed;
    }
  }
  auto files = read_archive(source, bytes, kind, limits);
  files = kind == ArchiveKind::kZip ? wheel_layout(std::move(files))
                                    : tarball_layout(source, std::move(files));
  auto package = std::make_shared<Package>();
  package->source = source;
  package->files.reserve(files.size());
  for (auto& file : files) package->files.emplace_back(file.path, intern(std::move(file.bytes)));
  auto& c = cache();
  std::lock_guard lock(c.mutex);
  ++c.archives_decoded;
  c.archives.insert(key, package);
  c.touch(package);
  return package;
}

std::shared_ptr<const Package> load_directory(const fs::path& root, const Limits& limits) {
  auto source = root.string();
  auto package = std::make_shared<Package>();
  package->source = source;
  uint64_t total = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec);
  if (ec)
    throw InitializationError("eryx: cannot read the directory " + source + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    auto status = it->symlink_status(ec);
    if (ec) break;
    // Symlinks are not followed (nothing outside the directory is read); FIFOs and other special
    // files are skipped (reading a FIFO would block).
    if (fs::is_directory(status)) {
      if (it->path().filename() == "__pycache__") it.disable_recursion_pending();
      continue;
    }
    if (!fs::is_regular_file(status)) continue;
    auto relative = normalise_entry_name(source, fs::relative(it->path(), root).generic_string());
    if (is_native_library(relative)) {
      throw InvalidArgumentError("eryx: package " + source + ": file " + net::quote(relative) +
                                 " is a native extension, which cannot be loaded from a package: "
                                 "compiled packages are built into a guest flavour (e.g. guest "
                                 "\"numpy\"; docs/guide/packages.md)");
    }
    if (package->files.size() >= limits.max_entries) {
      throw InvalidArgumentError("eryx: package " + source + " holds more than " +
                                 std::to_string(limits.max_entries) + " files");
    }
    auto bytes = read_host_file(it->path(), limits.max_entry_bytes, "package file");
    total += bytes.size();
    if (total > limits.max_total_bytes) {
      throw InvalidArgumentError("eryx: package " + source + " holds more than " +
                                 std::to_string(limits.max_total_bytes) + " bytes");
    }
    package->files.emplace_back(std::move(relative), intern(std::move(bytes)));
  }
  if (ec)
    throw InitializationError("eryx: cannot read the directory " + source + ": " + ec.message());
  return package;
}

}  // namespace

std::shared_ptr<const Package> load_package(const fs::path& source, const Limits& limits) {
  std::error_code ec;
  if (fs::is_directory(source, ec)) return load_directory(source, limits);
  auto name = source.filename().string();
  if (ends_with(name, ".whl")) return load_archive(source, ArchiveKind::kZip, limits);
  if (ends_with(name, ".tar.gz") || ends_with(name, ".tgz")) {
    return load_archive(source, ArchiveKind::kTarGz, limits);
  }
  throw InvalidArgumentError("eryx: package " + source.string() +
                             " is not a wheel (.whl), a .tar.gz/.tgz archive or a directory");
}

std::shared_ptr<const PackageSet> load_package_set(const std::vector<fs::path>& packages,
                                                   const std::optional<fs::path>& site_packages,
                                                   const Limits& limits) {
  std::vector<std::shared_ptr<const Package>> loaded;
  for (const auto& source : packages) loaded.push_back(load_package(source, limits));
  if (site_packages) {
    std::error_code ec;
    if (!fs::is_directory(*site_packages, ec)) {
      throw InitializationError("eryx: site_packages " + site_packages->string() +
                                " is not a directory");
    }
    loaded.push_back(load_directory(*site_packages, limits));
  }

  std::map<std::string, std::pair<SharedBytes, const std::string*>> merged;  // -> bytes, source
  uint64_t total = 0;
  for (const auto& package : loaded) {
    for (const auto& [path, bytes] : package->files) {
      auto [it, added] = merged.try_emplace(path, bytes, &package->source);
      if (added) {
        total += bytes->size();
      } else if (it->second.first != bytes) {  // interned: equal contents are one pointer
        throw InvalidArgumentError("eryx: packages " + *it->second.second + " and " +
                                   package->source + " both provide " + net::quote(path) +
                                   " with different contents");
      }
    }
  }
  if (total > limits.max_total_bytes) {
    throw InvalidArgumentError("eryx: the packages hold more than " +
                               std::to_string(limits.max_total_bytes) + " bytes in all");
  }
  if (merged.size() > limits.max_entries) {
    throw InvalidArgumentError("eryx: the packages hold more than " +
                               std::to_string(limits.max_entries) + " files in all");
  }
  auto set = std::make_shared<PackageSet>();
  set->total_bytes = total;
  set->sources = std::move(loaded);
  for (auto& [path, value] : merged) {
    // A file of one source where another needs a directory.
    for (size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      if (auto parent = merged.find(path.substr(0, slash)); parent != merged.end()) {
        throw InvalidArgumentError("eryx: package " + *value.second + " puts " + net::quote(path) +
                                   " inside " + net::quote(parent->first) + ", a file of " +
                                   *parent->second.second);
      }
    }
    set->files.emplace_back(path, value.first);
  }
  return set;
}

CacheStats cache_stats() {
  auto& c = cache();
  std::lock_guard lock(c.mutex);
  CacheStats stats;
  c.files.for_each_alive([&](const std::string& bytes) {
    ++stats.live_files;
    stats.live_file_bytes += bytes.size();
  });
  c.archives.for_each_alive([&](const Package&) { ++stats.live_archives; });
  stats.archives_decoded = c.archives_decoded;
  return stats;
}

}  // namespace eryx::packages
