// The wasi_snapshot_preview1 ABI as typed C++: constants and the structs the guest exchanges
// through linear memory, with their wasm32 sizes and offsets checked at compile time.
//
// Source: WebAssembly/WASI, legacy/preview1/witx/typenames.witx (the layouts wasi-libc's
// <wasi/api.h> asserts). All values are little-endian; the host must be too (checked below), so
// a struct is copied to or from guest memory with memcpy. Padding bytes are explicit fields and
// are written as zeros.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace eryx::wasi::abi {

static_assert(std::endian::native == std::endian::little,
              "guest memory is little-endian; a big-endian host needs byte swaps here");

// ---- clockid (u32) ----
inline constexpr uint32_t kClockRealtime = 0;
inline constexpr uint32_t kClockMonotonic = 1;
inline constexpr uint32_t kClockProcessCputime = 2;
inline constexpr uint32_t kClockThreadCputime = 3;

// ---- filetype (u8) ----
inline constexpr uint8_t kFiletypeUnknown = 0;
inline constexpr uint8_t kFiletypeBlockDevice = 1;
inline constexpr uint8_t kFiletypeCharacterDevice = 2;
inline constexpr uint8_t kFiletypeDirectory = 3;
inline constexpr uint8_t kFiletypeRegularFile = 4;
inline constexpr uint8_t kFiletypeSocketDgram = 5;
inline constexpr uint8_t kFiletypeSocketStream = 6;
inline constexpr uint8_t kFiletypeSymbolicLink = 7;

// ---- whence (u8) ----
inline constexpr uint8_t kWhenceSet = 0;
inline constexpr uint8_t kWhenceCur = 1;
inline constexpr uint8_t kWhenceEnd = 2;

// ---- advice (u8) ----
inline constexpr uint8_t kAdviceNoReuse = 5;  // the largest valid value

// ---- fdflags (u16) ----
inline constexpr uint16_t kFdflagAppend = 1 << 0;
inline constexpr uint16_t kFdflagDsync = 1 << 1;
inline constexpr uint16_t kFdflagNonblock = 1 << 2;
inline constexpr uint16_t kFdflagRsync = 1 << 3;
inline constexpr uint16_t kFdflagSync = 1 << 4;
inline constexpr uint16_t kFdflagsAll =
    kFdflagAppend | kFdflagDsync | kFdflagNonblock | kFdflagRsync | kFdflagSync;

// ---- fstflags (u16) ----
inline constexpr uint16_t kFstflagAtim = 1 << 0;
inline constexpr uint16_t kFstflagAtimNow = 1 << 1;
inline constexpr uint16_t kFstflagMtim = 1 << 2;
inline constexpr uint16_t kFstflagMtimNow = 1 << 3;
inline constexpr uint16_t kFstflagsAll =
    kFstflagAtim | kFstflagAtimNow | kFstflagMtim | kFstflagMtimNow;

// ---- lookupflags (u32) ----
inline constexpr uint32_t kLookupSymlinkFollow = 1 << 0;

// ---- oflags (u16) ----
inline constexpr uint16_t kOflagCreat = 1 << 0;
inline constexpr uint16_t kOflagDirectory = 1 << 1;
inline constexpr uint16_t kOflagExcl = 1 << 2;
inline constexpr uint16_t kOflagTrunc = 1 << 3;
inline constexpr uint16_t kOflagsAll = kOflagCreat | kOflagDirectory | kOflagExcl | kOflagTrunc;

// ---- rights (u64) ----
inline constexpr uint64_t kRightFdDatasync = 1ull << 0;
inline constexpr uint64_t kRightFdRead = 1ull << 1;
inline constexpr uint64_t kRightFdSeek = 1ull << 2;
inline constexpr uint64_t kRightFdFdstatSetFlags = 1ull << 3;
inline constexpr uint64_t kRightFdSync = 1ull << 4;
inline constexpr uint64_t kRightFdTell = 1ull << 5;
inline constexpr uint64_t kRightFdWrite = 1ull << 6;
inline constexpr uint64_t kRightFdAdvise = 1ull << 7;
inline constexpr uint64_t kRightFdAllocate = 1ull << 8;
inline constexpr uint64_t kRightPathCreateDirectory = 1ull << 9;
inline constexpr uint64_t kRightPathCreateFile = 1ull << 10;
inline constexpr uint64_t kRightPathLinkSource = 1ull << 11;
inline constexpr uint64_t kRightPathLinkTarget = 1ull << 12;
inline constexpr uint64_t kRightPathOpen = 1ull << 13;
inline constexpr uint64_t kRightFdReaddir = 1ull << 14;
inline constexpr uint64_t kRightPathReadlink = 1ull << 15;
inline constexpr uint64_t kRightPathRenameSource = 1ull << 16;
inline constexpr uint64_t kRightPathRenameTarget = 1ull << 17;
inline constexpr uint64_t kRightPathFilestatGet = 1ull << 18;
inline constexpr uint64_t kRightPathFilestatSetSize = 1ull << 19;
inline constexpr uint64_t kRightPathFilestatSetTimes = 1ull << 20;
inline constexpr uint64_t kRightFdFilestatGet = 1ull << 21;
inline constexpr uint64_t kRightFdFilestatSetSize = 1ull << 22;
inline constexpr uint64_t kRightFdFilestatSetTimes = 1ull << 23;
inline constexpr uint64_t kRightPathSymlink = 1ull << 24;
inline constexpr uint64_t kRightPathRemoveDirectory = 1ull << 25;
inline constexpr uint64_t kRightPathUnlinkFile = 1ull << 26;
inline constexpr uint64_t kRightPollFdReadwrite = 1ull << 27;
inline constexpr uint64_t kRightSockShutdown = 1ull << 28;
inline constexpr uint64_t kRightSockAccept = 1ull << 29;
inline constexpr uint64_t kRightsAll = (1ull << 30) - 1;

// ---- eventtype (u8), eventrwflags (u16), subclockflags (u16) ----
inline constexpr uint8_t kEventtypeClock = 0;
inline constexpr uint8_t kEventtypeFdRead = 1;
inline constexpr uint8_t kEventtypeFdWrite = 2;
inline constexpr uint16_t kEventFdReadwriteHangup = 1 << 0;
inline constexpr uint16_t kSubclockAbstime = 1 << 0;

// ---- preopentype (u8) ----
inline constexpr uint8_t kPreopentypeDir = 0;

// ---- structs ----

struct Iovec {  // also ciovec
  uint32_t buf;
  uint32_t buf_len;
};
static_assert(sizeof(Iovec) == 8 && alignof(Iovec) == 4);
static_assert(offsetof(Iovec, buf) == 0 && offsetof(Iovec, buf_len) == 4);

struct Fdstat {
  uint8_t fs_filetype;
  uint8_t pad0;
  uint16_t fs_flags;
  uint32_t pad1;
  uint64_t fs_rights_base;
  uint64_t fs_rights_inheriting;
};
static_assert(sizeof(Fdstat) == 24);
static_assert(offsetof(Fdstat, fs_filetype) == 0 && offsetof(Fdstat, fs_flags) == 2 &&
              offsetof(Fdstat, fs_rights_base) == 8 &&
              offsetof(Fdstat, fs_rights_inheriting) == 16);

struct Filestat {
  uint64_t dev;
  uint64_t ino;
  uint8_t filetype;
  uint8_t pad[7];
  uint64_t nlink;
  uint64_t size;
  uint64_t atim;
  uint64_t mtim;
  uint64_t ctim;
};
static_assert(sizeof(Filestat) == 64);
static_assert(offsetof(Filestat, dev) == 0 && offsetof(Filestat, ino) == 8 &&
              offsetof(Filestat, filetype) == 16 && offsetof(Filestat, nlink) == 24 &&
              offsetof(Filestat, size) == 32 && offsetof(Filestat, atim) == 40 &&
              offsetof(Filestat, mtim) == 48 && offsetof(Filestat, ctim) == 56);

// A directory entry header; the name (d_namlen bytes, no NUL) follows it in the buffer.
struct Dirent {
  uint64_t d_next;
  uint64_t d_ino;
  uint32_t d_namlen;
  uint8_t d_type;
  uint8_t pad[3];
};
static_assert(sizeof(Dirent) == 24);
static_assert(offsetof(Dirent, d_next) == 0 && offsetof(Dirent, d_ino) == 8 &&
              offsetof(Dirent, d_namlen) == 16 && offsetof(Dirent, d_type) == 20);

struct Prestat {
  uint8_t tag;
  uint8_t pad[3];
  uint32_t pr_name_len;  // prestat_dir, the only variant
};
static_assert(sizeof(Prestat) == 8);
static_assert(offsetof(Prestat, tag) == 0 && offsetof(Prestat, pr_name_len) == 4);

struct SubscriptionClock {
  uint32_t id;
  uint32_t pad0;
  uint64_t timeout;
  uint64_t precision;
  uint16_t flags;
  uint8_t pad1[6];
};
static_assert(sizeof(SubscriptionClock) == 32);
static_assert(offsetof(SubscriptionClock, id) == 0 && offsetof(SubscriptionClock, timeout) == 8 &&
              offsetof(SubscriptionClock, precision) == 16 &&
              offsetof(SubscriptionClock, flags) == 24);

struct SubscriptionFdReadwrite {
  uint32_t file_descriptor;
};
static_assert(sizeof(SubscriptionFdReadwrite) == 4);

// The union's contents are kept as raw bytes and decoded by tag, so no inactive union member is
// ever read.
struct Subscription {
  uint64_t userdata;
  uint8_t tag;  // eventtype
  uint8_t pad[7];
  uint8_t contents[32];  // SubscriptionClock or SubscriptionFdReadwrite

  SubscriptionClock clock() const {
    SubscriptionClock value;
    std::memcpy(&value, contents, sizeof(value));
    return value;
  }
  SubscriptionFdReadwrite fd_readwrite() const {
    SubscriptionFdReadwrite value;
    std::memcpy(&value, contents, sizeof(value));
    return value;
  }
};
static_assert(sizeof(Subscription) == 48);
static_assert(offsetof(Subscription, userdata) == 0 && offsetof(Subscription, tag) == 8 &&
              offsetof(Subscription, contents) == 16);

struct EventFdReadwrite {
  uint64_t nbytes;
  uint16_t flags;
  uint8_t pad[6];
};
static_assert(sizeof(EventFdReadwrite) == 16);

struct Event {
  uint64_t userdata;
  uint16_t error;
  uint8_t type;
  uint8_t pad[5];
  EventFdReadwrite fd_readwrite;
};
static_assert(sizeof(Event) == 32);
static_assert(offsetof(Event, userdata) == 0 && offsetof(Event, error) == 8 &&
              offsetof(Event, type) == 10 && offsetof(Event, fd_readwrite) == 16);

}  // namespace eryx::wasi::abi
