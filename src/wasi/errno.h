// preview1 errno values (u16 on the wire, returned as uint32_t from every syscall), and the
// mapping from VFS outcomes. Source: typenames.witx, `errno`.
#pragma once

#include <cstdint>

#include "vfs/status.h"

namespace eryx::wasi {

enum class Errno : uint16_t {
  kSuccess = 0,
  k2big = 1,
  kAcces = 2,
  kAddrinuse = 3,
  kAddrnotavail = 4,
  kAfnosupport = 5,
  kAgain = 6,
  kAlready = 7,
  kBadf = 8,
  kBadmsg = 9,
  kBusy = 10,
  kCanceled = 11,
  kChild = 12,
  kConnaborted = 13,
  kConnrefused = 14,
  kConnreset = 15,
  kDeadlk = 16,
  kDestaddrreq = 17,
  kDom = 18,
  kDquot = 19,
  kExist = 20,
  kFault = 21,
  kFbig = 22,
  kHostunreach = 23,
  kIdrm = 24,
  kIlseq = 25,
  kInprogress = 26,
  kIntr = 27,
  kInval = 28,
  kIo = 29,
  kIsconn = 30,
  kIsdir = 31,
  kLoop = 32,
  kMfile = 33,
  kMlink = 34,
  kMsgsize = 35,
  kMultihop = 36,
  kNametoolong = 37,
  kNetdown = 38,
  kNetreset = 39,
  kNetunreach = 40,
  kNfile = 41,
  kNobufs = 42,
  kNodev = 43,
  kNoent = 44,
  kNoexec = 45,
  kNolck = 46,
  kNolink = 47,
  kNomem = 48,
  kNomsg = 49,
  kNoprotoopt = 50,
  kNospc = 51,
  kNosys = 52,
  kNotconn = 53,
  kNotdir = 54,
  kNotempty = 55,
  kNotrecoverable = 56,
  kNotsock = 57,
  kNotsup = 58,
  kNotty = 59,
  kNxio = 60,
  kOverflow = 61,
  kOwnerdead = 62,
  kPerm = 63,
  kPipe = 64,
  kProto = 65,
  kProtonosupport = 66,
  kPrototype = 67,
  kRange = 68,
  kRofs = 69,
  kSpipe = 70,
  kSrch = 71,
  kStale = 72,
  kTimedout = 73,
  kTxtbsy = 74,
  kXdev = 75,
  kNotcapable = 76,
};

constexpr uint32_t to_u32(Errno e) { return static_cast<uint32_t>(e); }

constexpr Errno to_errno(vfs::Status status) {
  switch (status) {
    case vfs::Status::kOk:
      return Errno::kSuccess;
    case vfs::Status::kNotFound:
      return Errno::kNoent;
    case vfs::Status::kExists:
      return Errno::kExist;
    case vfs::Status::kNotDirectory:
      return Errno::kNotdir;
    case vfs::Status::kIsDirectory:
      return Errno::kIsdir;
    case vfs::Status::kNotEmpty:
      return Errno::kNotempty;
    case vfs::Status::kReadOnly:
      return Errno::kRofs;
    case vfs::Status::kNoSpace:
      return Errno::kNospc;
    case vfs::Status::kLoop:
      return Errno::kLoop;
    case vfs::Status::kNameTooLong:
      return Errno::kNametoolong;
    case vfs::Status::kInvalid:
      return Errno::kInval;
    case vfs::Status::kBusy:
      return Errno::kBusy;
    case vfs::Status::kCrossDevice:
      return Errno::kXdev;
    case vfs::Status::kPermission:
      return Errno::kPerm;
    case vfs::Status::kFileTooBig:
      return Errno::kFbig;
    case vfs::Status::kAccess:
      return Errno::kAcces;
    case vfs::Status::kIo:
      return Errno::kIo;
    case vfs::Status::kNotSupported:
      return Errno::kNotsup;
  }
  return Errno::kIo;
}

}  // namespace eryx::wasi
