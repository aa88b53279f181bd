#include "packages/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "eryx/errors.hpp"
#include "net/quote.h"

namespace eryx::packages {
namespace {

using net::quote;

[[noreturn]] void fail(std::string_view archive, std::string_view entry, std::string_view why) {
  throw InvalidArgumentError("eryx: package " + std::string(archive) + ": entry " + quote(entry) +
                             " " + std::string(why));
}

[[noreturn]] void fail_archive(std::string_view archive, std::string_view why) {
  throw InvalidArgumentError("eryx: package " + std::string(archive) + " " + std::string(why));
}

// libarchive converts entry names to the calling thread's locale, and a process in the "C" locale
// cannot represent non-ASCII names. C.UTF-8 for this thread only (uselocale), never setlocale:
// the process's locale is not the library's to change.
class Utf8Locale {
 public:
  Utf8Locale() : locale_(newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0))) {
    if (locale_ != static_cast<locale_t>(0)) previous_ = uselocale(locale_);
  }
  ~Utf8Locale() {
    if (locale_ == static_cast<locale_t>(0)) return;
    uselocale(previous_);
    freelocale(locale_);
  }
  Utf8Locale(const Utf8Locale&) = delete;
  Utf8Locale& operator=(const Utf8Locale&) = delete;

 private:
  locale_t locale_;
  locale_t previous_ = static_cast<locale_t>(0);
};

uint32_t le16(std::string_view b, size_t at) {
  return static_cast<uint8_t>(b[at]) | static_cast<uint8_t>(b[at + 1]) << 8;
}
uint32_t le32(std::string_view b, size_t at) { return le16(b, at) | le16(b, at + 2) << 16; }

// libarchive cuts zip entry names at a NUL byte ("evil.py\0.txt" reads as "evil.py"), so NULs
// are looked for in the central directory's names here, before libarchive reads the archive.
// Returns the first such name (up to its NUL), or nullopt. Archives whose directory cannot be
// found this way (zip64, damaged) are left to libarchive, which then refuses or reads them.
std::optional<std::string> zip_name_with_nul(std::string_view zip) {
  constexpr size_t kEndRecord = 22;
  if (zip.size() < kEndRecord) return std::nullopt;
  size_t lowest = zip.size() > kEndRecord + 0xffff ? zip.size() - kEndRecord - 0xffff : 0;
  for (size_t at = zip.size() - kEndRecord + 1; at-- > lowest;) {
    if (le32(zip, at) != 0x06054b50) continue;
    uint32_t count = le16(zip, at + 10);
    uint64_t offset = le32(zip, at + 16);
    for (uint32_t i = 0; i < count; ++i) {
      if (offset + 46 > zip.size() || le32(zip, offset) != 0x02014b50) return std::nullopt;
      uint64_t name_length = le16(zip, offset + 28);
      uint64_t next = offset + 46 + name_length + le16(zip, offset + 30) + le16(zip, offset + 32);
      if (next > zip.size()) return std::nullopt;
      std::string_view name = zip.substr(offset + 46, name_length);
      if (auto nul = name.find('\0'); nul != std::string_view::npos) {
        return std::string(name.substr(0, nul));
      }
      offset = next;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::string_view type_name(mode_t type) {
  switch (type) {
    case AE_IFLNK:
      return "is a symbolic link";
    case AE_IFCHR:
      return "is a character device";
    case AE_IFBLK:
      return "is a block device";
    case AE_IFIFO:
      return "is a FIFO";
    case AE_IFSOCK:
      return "is a socket";
    default:
      return "is not a regular file or directory";
  }
}

// libarchive's message for the last failure; it may have none (a null pointer).
std::string error_text(archive* a) {
  const char* error = archive_error_string(a);
  return error ? error : "unreadable";
}

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

}  // namespace

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<uint8_t>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t code;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2, code = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3, code = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4, code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      auto next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = code << 6 | (next & 0x3f);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) || code > 0x10ffff ||
        (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

bool is_native_library(std::string_view path) {
  auto name = path.substr(path.rfind('/') + 1);
  return name.ends_with(".so") || name.find(".so.") != std::string_view::npos ||
         name.ends_with(".pyd") || name.ends_with(".dylib");
}

std::string normalise_entry_name(std::string_view archive, std::string_view name) {
  if (name.find('\0') != std::string_view::npos) fail(archive, name, "has a NUL byte in its name");
  if (!is_valid_utf8(name)) fail(archive, name, "has a name that is not valid UTF-8");
  if (name.starts_with('/')) fail(archive, name, "has an absolute name");
  if (name.find('\\') != std::string_view::npos) {
    fail(archive, name, "has a backslash in its name (a Windows path or a traversal attempt)");
  }
  std::string out;
  size_t pos = 0;
  while (pos <= name.size()) {
    size_t end = name.find('/', pos);
    if (end == std::string_view::npos) end = name.size();
    auto component = name.substr(pos, end - pos);
    pos = end + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") fail(archive, name, "leaves the package (a '..' component)");
    if (component.size() > kMaxNameBytes) fail(archive, name, "has a name component too long");
    if (!out.empty()) out += '/';
    out += component;
  }
  if (out.size() > kMaxPathBytes) fail(archive, name, "has a path too long");
  return out;
}

std::vector<ArchiveFile> read_archive(std::string_view name, std::string_view bytes,
                                      ArchiveKind kind, const Limits& limits) {
  const char* what = kind == ArchiveKind::kZip ? "is not a zip archive (a wheel is one)"
                                               : "is not a gzip-compressed tar archive";
  if (bytes.size() > limits.max_archive_bytes) {
    fail_archive(name, "is larger than " + std::to_string(limits.max_archive_bytes) + " bytes");
  }
  if (kind == ArchiveKind::kZip) {
    if (!bytes.starts_with(std::string_view("PK\x03\x04", 4)) &&
        !bytes.starts_with(std::string_view("PK\x05\x06", 4))) {
      fail_archive(name, what);
    }
    if (auto nul_name = zip_name_with_nul(bytes))
      fail(name, *nul_name, "has a NUL byte in its name");
  } else if (!bytes.starts_with("\x1f\x8b")) {
    fail_archive(name, what);
  }

  // One archive at a time per process: libarchive calls tzset(), which rewrites glibc's time zone
  // state on every call when TZ is unset. glibc orders that with a lock of its own that
  // ThreadSanitizer cannot see; a lock of ours makes the order visible (and decoding packages is
  // rare: the content cache shares what was decoded).
  static std::mutex decode_mutex;
  std::lock_guard decode_lock(decode_mutex);
  Utf8Locale utf8;
  std::unique_ptr<archive, ArchiveDeleter> reader(archive_read_new());
  if (!reader) throw Error("eryx: cannot allocate an archive reader");
  archive* a = reader.get();
  if (kind == ArchiveKind::kZip) {
    archive_read_support_format_zip(a);
  } else {
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
  }
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
    fail_archive(name, std::string(what) + ": " + error_text(a));
  }

  std::vector<ArchiveFile> files;
  std::set<std::string, std::less<>> files_seen;
  std::set<std::string, std::less<>> directories;  // implied by the paths seen so far
  uint64_t total = 0;
  uint64_t entries = 0;
  std::string last_entry;
  auto over_ratio = [&](uint64_t produced) {
    return produced > kRatioFloorBytes && produced / limits.max_ratio >= bytes.size();
  };
  for (;;) {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(a, &entry);
    if (status == ARCHIVE_EOF) break;
    const char* raw_name = entry ? archive_entry_pathname(entry) : nullptr;
    if (status == ARCHIVE_WARN && raw_name == nullptr) {
      fail_archive(name,
                   "has an entry (after " + quote(last_entry) + ") whose name is not valid UTF-8");
    }
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
      std::string why =
          entries == 0 ? std::string(what) : "is damaged (after entry " + quote(last_entry) + ")";
      fail_archive(name, why + ": " + error_text(a));
    }
    if (raw_name == nullptr) fail_archive(name, "has an entry without a name");
    std::string entry_name = raw_name;
    last_entry = entry_name;
    if (++entries > limits.max_entries) {
      fail(name, entry_name,
           "is one too many: an archive may hold " + std::to_string(limits.max_entries) +
               " entries");
    }
    auto path = normalise_entry_name(name, entry_name);
    if (archive_entry_hardlink(entry) != nullptr) fail(name, entry_name, "is a hard link");
    auto type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
      if (files_seen.contains(path)) fail(name, entry_name, "is a directory and a file");
      if (!path.empty()) directories.insert(path);
      continue;
    }
    if (type != AE_IFREG) fail(name, entry_name, type_name(type));
    if (path.empty()) fail(name, entry_name, "names the archive's root as a file");
    if (is_native_library(path)) {
      fail(name, entry_name,
           "is a native extension, which cannot be loaded from a package: compiled packages are "
           "built into a guest flavour (e.g. guest \"numpy\"; docs/guide/packages.md)");
    }
    if (files_seen.contains(path) || directories.contains(path)) {
      fail(name, entry_name, "is a duplicate name");
    }
    // Every parent must stay a directory: "a" as a file and "a/b" are in conflict.
    for (size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      auto parent = path.substr(0, slash);
      if (files_seen.contains(parent)) fail(name, entry_name, "is inside a file of the archive");
      directories.insert(std::move(parent));
    }
    if (archive_entry_size_is_set(entry) &&
        static_cast<uint64_t>(archive_entry_size(entry)) > limits.max_entry_bytes) {
      fail(name, entry_name,
           "is larger than " + std::to_string(limits.max_entry_bytes) + " bytes uncompressed");
    }

    std::string data;
    char buffer[64 * 1024];
    for (;;) {
      la_ssize_t n = archive_read_data(a, buffer, sizeof buffer);
      if (n == 0) break;
      if (n < 0) {
        fail(name, entry_name, std::string("cannot be read: ") + error_text(a));
      }
      total += static_cast<uint64_t>(n);
      if (data.size() + static_cast<uint64_t>(n) > limits.max_entry_bytes) {
        fail(name, entry_name,
             "is larger than " + std::to_string(limits.max_entry_bytes) + " bytes uncompressed");
      }
      if (total > limits.max_total_bytes) {
        fail(name, entry_name,
             "takes the archive past " + std::to_string(limits.max_total_bytes) +
                 " bytes uncompressed");
      }
      if (over_ratio(total)) {
        fail(name, entry_name,
             "expands the archive more than " + std::to_string(limits.max_ratio) +
                 " times its size (a zip bomb?)");
      }
      data.append(buffer, static_cast<size_t>(n));
    }
    files_seen.insert(path);
    files.push_back({std::move(path), std::move(data)});
  }
  return files;
}

}  // namespace eryx::packages
