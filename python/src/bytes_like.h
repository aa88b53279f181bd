// A bytes-like argument: bytes, bytearray, memoryview, array.array, ... anything with a contiguous
// buffer, as Python's own bytes-taking functions accept. The view holds the exporter's buffer, so a
// bytearray cannot be resized under it while the GIL is released for the call.
#pragma once

#include <nanobind/nanobind.h>

#include <string_view>
#include <utility>

namespace eryx::python {

class BytesLike {
 public:
  BytesLike() = default;
  BytesLike(BytesLike&& other) noexcept
      : view_(other.view_), held_(std::exchange(other.held_, false)) {}
  BytesLike& operator=(BytesLike&& other) noexcept {
    if (this != &other) {
      release();
      view_ = other.view_;
      held_ = std::exchange(other.held_, false);
    }
    return *this;
  }
  BytesLike(const BytesLike&) = delete;
  BytesLike& operator=(const BytesLike&) = delete;
  ~BytesLike() { release(); }  // argument destructors run with the GIL held

  // False (no error set) when `object` has no contiguous buffer; str is refused, as bytes() does.
  bool acquire(PyObject* object) noexcept {
    release();
    if (PyUnicode_Check(object) || PyObject_GetBuffer(object, &view_, PyBUF_SIMPLE) != 0) {
      PyErr_Clear();
      return false;
    }
    held_ = true;
    return true;
  }

  std::string_view view() const {
    return held_ ? std::string_view(static_cast<const char*>(view_.buf),
                                    static_cast<size_t>(view_.len))
                 : std::string_view();
  }

 private:
  void release() noexcept {
    if (held_) PyBuffer_Release(&view_);
    held_ = false;
  }

  Py_buffer view_{};
  bool held_ = false;
};

}  // namespace eryx::python

namespace nanobind::detail {

template <>
struct type_caster<eryx::python::BytesLike> {
  NB_TYPE_CASTER(eryx::python::BytesLike, const_name("collections.abc.Buffer"))

  bool from_python(handle src, uint8_t, cleanup_list*) noexcept { return value.acquire(src.ptr()); }
};

}  // namespace nanobind::detail
