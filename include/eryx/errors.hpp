// Typed errors of the eryx API. Every failure of an execution is one of these; the host never sees
// a crash or a bare error code from guest code.
#pragma once

#include <stdexcept>
#include <string>

namespace eryx {

// Base of every eryx error ("EryxError" in Python).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The guest's Python code raised an exception. what() carries the guest traceback.
class ExecutionError : public Error {
 public:
  ExecutionError(std::string type_name, std::string message, std::string traceback)
      : Error(traceback.empty() ? type_name + ": " + message : traceback),
        type_name_(std::move(type_name)),
        message_(std::move(message)),
        traceback_(std::move(traceback)) {}

  // Qualified name of the exception type, e.g. "ValueError" or "json.decoder.JSONDecodeError".
  const std::string& type_name() const noexcept { return type_name_; }
  // str(exception) in the guest.
  const std::string& message() const noexcept { return message_; }
  // The formatted traceback, as Python prints it.
  const std::string& traceback() const noexcept { return traceback_; }

 private:
  std::string type_name_;
  std::string message_;
  std::string traceback_;
};

// The execution ran past its deadline.
class TimeoutError : public Error {
 public:
  using Error::Error;
};

// A resource limit (memory, fuel, callbacks, ...) was exceeded.
class ResourceLimitError : public Error {
 public:
  using Error::Error;
};

// The runtime or the guest interpreter could not be set up (missing or corrupt artefacts, ...).
class InitializationError : public Error {
 public:
  using Error::Error;
};

// The execution was cancelled by the host.
class CancelledError : public Error {
 public:
  using Error::Error;
};

// The host passed an invalid argument (e.g. code containing a NUL byte or invalid UTF-8).
class InvalidArgumentError : public Error {
 public:
  using Error::Error;
};

// A SandboxPool (eryx/pool.hpp) could not lease a sandbox ("PoolError" in Python).
class PoolError : public Error {
 public:
  using Error::Error;
};

// Every sandbox of the pool is leased and the pool was not to wait (acquire_timeout_ms = 0).
class PoolExhaustedError : public PoolError {
 public:
  using PoolError::PoolError;
};

// No sandbox came back within acquire_timeout_ms.
class PoolTimeoutError : public PoolError {
 public:
  using PoolError::PoolError;
};

// The pool was closed (before or while waiting).
class PoolClosedError : public PoolError {
 public:
  using PoolError::PoolError;
};

}  // namespace eryx
