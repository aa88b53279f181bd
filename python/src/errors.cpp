// C++ errors become the Python exception classes of eryx.errors (defined in Python so that
// TimeoutError can also subclass the built-in TimeoutError).
#include "bindings.h"
#include "eryx/mcp.hpp"

namespace eryx::python {
namespace {

void raise(const char* class_name, const std::exception& e) {
  nb::object cls = nb::module_::import_("eryx.errors").attr(class_name);
  nb::object exc = cls(to_str(e.what()));
  if (auto* exec = dynamic_cast<const ExecutionError*>(&e)) {
    exc.attr("type_name") = to_str(exec->type_name());
    exc.attr("message") = to_str(exec->message());
    exc.attr("traceback_text") = to_str(exec->traceback());
  }
  PyErr_SetObject(cls.ptr(), exc.ptr());
}

}  // namespace

void init_errors(nb::module_&) {
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const ExecutionError& e) {
      raise("ExecutionError", e);
    } catch (const TimeoutError& e) {
      raise("TimeoutError", e);
    } catch (const ResourceLimitError& e) {
      raise("ResourceLimitError", e);
    } catch (const InitializationError& e) {
      raise("InitializationError", e);
    } catch (const CancelledError& e) {
      raise("CancelledError", e);
    } catch (const InvalidArgumentError& e) {
      raise("InvalidArgumentError", e);
    } catch (const PoolExhaustedError& e) {
      raise("PoolExhaustedError", e);
    } catch (const PoolTimeoutError& e) {
      raise("PoolTimeoutError", e);
    } catch (const PoolClosedError& e) {
      raise("PoolClosedError", e);
    } catch (const PoolError& e) {
      raise("PoolError", e);
    } catch (const McpError& e) {
      raise("MCPError", e);
    } catch (const VfsError& e) {
      // A file operation on VfsStorage: OSError(errno, message, path), which Python turns into
      // FileNotFoundError, IsADirectoryError, ... by the errno.
      nb::object exc =
          nb::handle(PyExc_OSError)(e.error_code(), to_str(e.what()), to_str(e.path()));
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    } catch (const Error& e) {
      raise("EryxError", e);
    }
  });
}

}  // namespace eryx::python
