// Python callbacks: the C++ CallbackRegistry built from what eryx._callbacks.normalize() returns.
// The Python side does the Python things (schema inference, JSON conversion, running coroutines
// on an event loop); this file bridges handlers into C++ with the GIL taken where it is needed.
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>

#include "callbacks.h"

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
  std::string type = nb::cast<std::string>(nb::handle(error.type()).attr("__name__"));
  std::string message = nb::cast<std::string>(nb::str(error.value()));
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

SyncHandler sync_handler(Invoker invoke) {
  // Runs on the callback thread pool: takes the GIL for the call.
  return [invoke](const Json& arguments) -> Json {
    std::string text = arguments.dump();
    PoolThreadGil gil;
    if (!gil.acquired()) throw CallbackError("the host's Python interpreter is shutting down");
    nb::object outcome;
    try {
      outcome = invoke.get()(text);
    } catch (const nb::python_error& error) {
      throw CallbackError(describe(error));
    }
    auto [ok, payload] = nb::cast<std::pair<bool, std::string>>(outcome);
    if (!ok) throw CallbackError(payload);
    return Json::parse(payload);
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

}  // namespace

CallbackRegistry make_registry(const std::shared_ptr<PythonRefs>& refs, size_t index) {
  CallbackRegistry registry;
  nb::handle specs = refs->item(index);
  if (specs.is_none()) return registry;
  size_t position = 0;
  for (nb::handle spec : specs) {
    Callback callback;
    callback.name = nb::cast<std::string>(spec[0]);
    callback.description = nb::cast<std::string>(spec[1]);
    try {
      callback.parameters_schema = Json::parse(nb::cast<std::string>(spec[2]));
    } catch (const Json::exception& e) {
      throw InvalidArgumentError("eryx: the schema of callback '" + callback.name +
                                 "' is not valid JSON: " + e.what());
    }
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
  nb::class_<CallbackReply>(m, "_CallbackReply")
      .def(
          "succeed",
          [](const CallbackReply& reply, const std::string& result_json) {
            Json value;
            try {
              value = Json::parse(result_json);
            } catch (const Json::exception& e) {
              reply.fail(std::string("the callback's result is not valid JSON: ") + e.what());
              return;
            }
            reply.succeed(std::move(value));
          },
          nb::arg("result_json"))
      .def(
          "fail",
          [](const CallbackReply& reply, const std::string& message) { reply.fail(message); },
          nb::arg("message"));
}

}  // namespace eryx::python
