#include <Python.h>

#include <algorithm>

#include "bindings.h"

namespace eryx::python {

nb::str to_str(std::string_view text) {
  PyObject* s = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace");
  if (s == nullptr) throw nb::python_error();
  return nb::steal<nb::str>(s);
}

namespace {

// Owns a Python callable; drops its reference under the GIL whichever thread releases it last.
struct PyCallable {
  explicit PyCallable(nb::object f) : fn(std::move(f)) {}
  ~PyCallable() {
    if (!Py_IsInitialized()) {
      fn.release();  // interpreter gone: leak rather than touch it
      return;
    }
    nb::gil_scoped_acquire gil;
    fn.reset();
  }
  nb::object fn;
};

}  // namespace

OutputHandler make_output_handler(nb::object callable) {
  if (callable.is_none()) return {};
  auto owner = std::make_shared<PyCallable>(std::move(callable));
  return [owner](std::string_view text) {
    nb::gil_scoped_acquire gil;
    try {
      owner->fn(to_str(text));
    } catch (nb::python_error& e) {
      e.discard_as_unraisable("eryx output handler");
    }
  };
}

CancellationToken InFlight::begin() {
  CancellationToken token;
  std::lock_guard lock(mutex_);
  tokens_.push_back(token);
  return token;
}

void InFlight::end(const CancellationToken& token) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(tokens_.begin(), tokens_.end(),
                         [&](const CancellationToken& t) { return t.flag() == token.flag(); });
  if (it != tokens_.end()) tokens_.erase(it);
}

void InFlight::cancel_all() {
  std::lock_guard lock(mutex_);
  for (const auto& token : tokens_) token.cancel();
}

}  // namespace eryx::python
