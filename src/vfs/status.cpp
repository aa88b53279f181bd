#include "vfs/status.h"

namespace eryx::vfs {

std::string_view to_string(Status status) {
  switch (status) {
    case Status::kOk:
      return "ok";
    case Status::kNotFound:
      return "not found";
    case Status::kExists:
      return "exists";
    case Status::kNotDirectory:
      return "not a directory";
    case Status::kIsDirectory:
      return "is a directory";
    case Status::kNotEmpty:
      return "directory not empty";
    case Status::kReadOnly:
      return "read-only";
    case Status::kNoSpace:
      return "no space (quota)";
    case Status::kLoop:
      return "too many symlinks";
    case Status::kNameTooLong:
      return "name too long";
    case Status::kInvalid:
      return "invalid argument";
    case Status::kBusy:
      return "busy";
    case Status::kCrossDevice:
      return "cross-device link";
    case Status::kPermission:
      return "not permitted";
    case Status::kFileTooBig:
      return "file too big";
    case Status::kAccess:
      return "access denied";
    case Status::kIo:
      return "I/O error";
    case Status::kNotSupported:
      return "not supported";
  }
  return "unknown";
}

}  // namespace eryx::vfs
