#include <Python.h>

#include <algorithm>

#include "bindings.h"
#include "py_types.h"

namespace eryx::python {

nb::str to_str(std::string_view text) {
  PyObject* s = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace");
  if (s == nullptr) throw nb::python_error();
  return nb::steal<nb::str>(s);
}

// (bindings.h)
std::string utf8_text(nb::handle object) {
  PyObject* text = PyObject_Str(object.ptr());
  PyObject* bytes = text ? PyUnicode_AsEncodedString(text, "utf-8", "backslashreplace") : nullptr;
  Py_XDECREF(text);
  if (bytes == nullptr) {
    PyErr_Clear();
    return "<unprintable>";
  }
  std::string out(PyBytes_AS_STRING(bytes), static_cast<size_t>(PyBytes_GET_SIZE(bytes)));
  Py_DECREF(bytes);
  return out;
}

PythonRefs::~PythonRefs() {
  GilAcquire gil;
  if (!gil.acquired()) return;  // leak rather than touch a dying interpreter
  Py_DECREF(tuple_);
}

OutputHandler make_output_handler(std::shared_ptr<PythonRefs> refs, size_t index) {
  if (refs->item(index).is_none()) return {};
  return [refs, index](std::string_view text) {
    GilAcquire gil;
    if (!gil.acquired()) return;  // the interpreter is shutting down: the output is dropped
    try {
      nb::handle handler = refs->item(index);
      if (handler.is_none()) return;
      handler(to_str(text));
    } catch (nb::python_error& e) {
      e.discard_as_unraisable("eryx output handler");
    }
  };
}

void InFlight::begin(const CancellationToken& token) {
  std::lock_guard lock(mutex_);
  tokens_.push_back(token);
}

void InFlight::end(const CancellationToken& token) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(tokens_.begin(), tokens_.end(),
                         [&](const CancellationToken& t) { return t.state() == token.state(); });
  if (it != tokens_.end()) tokens_.erase(it);
}

void InFlight::cancel_all() {
  std::lock_guard lock(mutex_);
  for (const auto& token : tokens_) token.cancel();
}

void InFlight::interrupt_all() {
  std::lock_guard lock(mutex_);
  for (const auto& token : tokens_) token.interrupt();
}

Sandbox& PySandbox::live() const {
  if (!sandbox) throw Error("eryx: this Sandbox was cleared by the garbage collector");
  return *sandbox;
}

Session& PySession::live() const {
  if (!session) throw Error("eryx: this Session was cleared by the garbage collector");
  return *session;
}

namespace {

template <typename Wrapper>
int traverse_wrapper(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  if (!nb::inst_ready(self)) return 0;
  auto* wrapper = nb::inst_ptr<Wrapper>(self);
  if (wrapper->refs) Py_VISIT(wrapper->refs->tuple());
  return 0;
}

int clear_sandbox(PyObject* self) {
  auto* wrapper = nb::inst_ptr<PySandbox>(self);
  wrapper->sandbox.reset();
  wrapper->refs.reset();
  return 0;
}

int clear_session(PyObject* self) {
  auto* wrapper = nb::inst_ptr<PySession>(self);
  wrapper->session.reset();
  wrapper->refs.reset();
  return 0;
}

}  // namespace

PyType_Slot sandbox_slots[] = {{Py_tp_traverse, (void*)traverse_wrapper<PySandbox>},
                               {Py_tp_clear, (void*)clear_sandbox},
                               {0, nullptr}};
PyType_Slot session_slots[] = {{Py_tp_traverse, (void*)traverse_wrapper<PySession>},
                               {Py_tp_clear, (void*)clear_session},
                               {0, nullptr}};

}  // namespace eryx::python
