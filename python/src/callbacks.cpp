// Python callbacks: the C++ CallbackRegistry built from what eryx._callbacks.normalize() returns.
// The Python side does the Python things (schema inference, JSON conversion, running coroutines
// on an event loop); this file bridges handlers into C++ with the GIL taken where it is needed.
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>

#include "callbacks.h"
#include "eryx/callbacks.hpp"

namespace eryx::python {
namespace {

// The invoker of callback `position`: specs[position][3] of the PythonRefs item `index`.
struct Invoker {
  std::shared_ptr<PythonRefs> refs;
  size_t index;
  size_t position;
  nb::object get() const { return refs->item(index)[position][3]; }
};

// "ValueError: message" of the Python error being handled (the GIL is held).
std::string describe(const nb::python_error& error) {
  std::string type = utf8_text(nb::handle(error.type()).attr("__name__"));
  std::string message = utf8_text(error.value());
  return message.empty() ? type : type + ": " + message;
}

// Takes the GIL on a callback pool thread. Each pool thread keeps one Python thread state for its
// life: creating and deleting one per call (what PyGILState_Ensure does on a thread Python does not
// know) costs more than a small callback.
// Refuses (acquired() false) once the interpreter is shutting down (gil.h).
class PoolThreadGil {
 public:
  PoolThreadGil() : gil_(kept_state()) {}
  PoolThreadGil(const PoolThreadGil&) = delete;
  PoolThreadGil& operator=(const PoolThreadGil&) = delete;
  bool acquired() const { return gil_.acquired(); }

 private:
  static PyThreadState* kept_state() {
    thread_local Kept kept;
    if (kept.state == nullptr) kept.state = PyThreadState_New(PyInterpreterState_Main());
    return kept.state;
  }

  struct Kept {
    PyThreadState* state = nullptr;
    ~Kept() {  // the pool thread exits (idle): drop its thread state, unless Python is going away
      if (state == nullptr || interpreter_finalizing()) return;
      PyEval_RestoreThread(state);
      PyThreadState_Clear(state);
      PyThreadState_DeleteCurrent();
    }
  };
  ThreadStateGil gil_;
};

// The result JSON of a Python callback (json.dumps output) as a Json, parsed without the GIL: it is
// as large as the guest made it (up to max_callback_payload_bytes).
Json parse_result(const std::string& result_json) {
  try {
    return parse_json(result_json);
  } catch (const InvalidArgumentError& e) {
    throw CallbackError(std::string("the callback's result is not usable JSON: ") + e.what());
  }
}

SyncHandler sync_handler(Invoker invoke) {
  // Runs on the callback thread pool: takes the GIL for the call only.
  return [invoke](const Json& arguments) -> Json {
    std::string text = arguments.dump();
    std::pair<bool, std::string> outcome;
    {
      PoolThreadGil gil;
      if (!gil.acquired()) throw CallbackError("the host's Python interpreter is shutting down");
      try {
        outcome = nb::cast<std::pair<bool, std::string>>(invoke.get()(text));
      } catch (const nb::python_error& error) {
        throw CallbackError(describe(error));
      }
    }
    if (!outcome.first) throw CallbackError(outcome.second);
    return parse_result(outcome.second);
  };
}

AsyncHandler async_handler(Invoker invoke) {
  // Runs on the executing thread (inside the guest's call): schedules the coroutine and returns.
  return [invoke](const Json& arguments, CallbackReply reply) {
    std::string text = arguments.dump();
    GilAcquire gil;
    if (!gil.acquired()) {
      reply.fail("the host's Python interpreter is shutting down");
      return;
    }
    try {
      invoke.get()(text, nb::cast(reply));
    } catch (const nb::python_error& error) {
      reply.fail(describe(error));
    }
  };
}

// A str of a callback spec as UTF-8. Lone surrogates ("\ud800") cannot be encoded: a clear
// InvalidArgumentError rather than nanobind's std::bad_cast.
std::string text_of(nb::handle value, const char* what, const std::string& name) {
  std::string subject = name.empty() ? std::string("a callback's ") + what
                                     : std::string("the ") + what + " of callback '" + name + "'";
  if (!nb::isinstance<nb::str>(value)) {
    throw InvalidArgumentError("eryx: " + subject + " must be a str");
  }
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
  if (data == nullptr) {
    PyErr_Clear();
    throw InvalidArgumentError("eryx: " + subject +
                               " is not valid Unicode (it holds a lone surrogate)");
  }
  return std::string(data, static_cast<size_t>(size));
}

Json schema_of(const std::string& schema_json, const std::string& name) {
  try {
    return parse_json(schema_json);
  } catch (const InvalidArgumentError& e) {
    throw InvalidArgumentError("eryx: the schema of callback '" + name +
                               "' is not valid JSON: " + e.what());
  }
}

}  // namespace

CallbackRegistry make_registry(const std::shared_ptr<PythonRefs>& refs, size_t index) {
  CallbackRegistry registry;
  nb::handle specs = refs->item(index);
  if (specs.is_none()) return registry;
  size_t position = 0;
  for (nb::handle spec : specs) {
    Callback callback;
    callback.name = text_of(spec[0], "name", "");
    callback.description = text_of(spec[1], "description", callback.name);
    callback.parameters_schema =
        schema_of(text_of(spec[2], "schema", callback.name), callback.name);
    Invoker invoke{refs, index, position++};
    if (nb::cast<bool>(spec[4])) {
      callback.async_handler = async_handler(std::move(invoke));
    } else {
      callback.handler = sync_handler(std::move(invoke));
    }
    registry.add(std::move(callback));
  }
  return registry;
}

void init_callbacks(nb::module_& m) {
  // Both run without the GIL: the result is as large as the guest made it.
  nb::class_<CallbackReply>(m, "_CallbackReply")
      .def(
          "succeed",
          [](const CallbackReply& reply, const std::string& result_json) {
            Json value;
            try {
              value = parse_result(result_json);
            } catch (const CallbackError& e) {
              reply.fail(e.what());
              return;
            }
            reply.succeed(std::move(value));
          },
          nb::arg("result_json"), nb::call_guard<GilRelease>())
      .def(
          "fail",
          [](const CallbackReply& reply, const std::string& message) { reply.fail(message); },
          nb::arg("message"), nb::call_guard<GilRelease>());
  // What CallbackRegistry.add() checks at registration: the C++ registry's checks of the name
  // and the schema (compiled, so that an unsupported pattern is refused here).
  m.def(
      "_check_callback",
      [](nb::handle name, nb::handle description, nb::handle schema_json) {
        Callback callback;
        callback.name = text_of(name, "name", "");
        callback.description = text_of(description, "description", callback.name);
        callback.parameters_schema =
            schema_of(text_of(schema_json, "schema", callback.name), callback.name);
        callback.handler = [](const Json&) { return Json(); };
        GilRelease release;
        CallbackRegistry().add(std::move(callback));
      },
      nb::arg("name"), nb::arg("description"), nb::arg("schema_json"));
}

}  // namespace eryx::python
