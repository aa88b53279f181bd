// eryx.ExecuteResult: the seeds' field names over the C++ result.
#include <nanobind/stl/optional.h>

#include "bindings.h"

namespace eryx::python {

void init_results(nb::module_& m) {
  nb::class_<ExecuteResult>(m, "ExecuteResult")
      .def_prop_ro("stdout", [](const ExecuteResult& r) { return to_str(r.stdout_text); })
      .def_prop_ro("stderr", [](const ExecuteResult& r) { return to_str(r.stderr_text); })
      .def_prop_ro("duration_ms",
                   [](const ExecuteResult& r) {
                     return std::chrono::duration<double, std::milli>(r.stats.duration).count();
                   })
      .def_prop_ro("peak_memory_bytes",
                   [](const ExecuteResult& r) { return r.stats.peak_memory_bytes; })
      .def_prop_ro("fuel_consumed", [](const ExecuteResult& r) { return r.stats.fuel_consumed; })
      .def_prop_ro("callback_invocations",
                   [](const ExecuteResult& r) { return r.stats.callback_invocations; })
      .def_prop_ro(
          "result",
          [](const ExecuteResult& r) -> nb::object {
            if (!r.result_json) return nb::none();
            // The engine checked the guest's JSON (util/json_check.h); what Python's
            // parser still refuses (e.g. an integer of over 4300 digits) is the guest's
            // doing and raises EryxError, not a parser exception.
            try {
              return nb::module_::import_("json").attr("loads")(to_str(*r.result_json));
            } catch (nb::python_error& e) {
              if (!e.matches(PyExc_Exception)) throw;
              throw Error("eryx: the result could not be decoded: " + utf8_text(e.value()));
            }
          })
      .def_prop_ro("result_json",
                   [](const ExecuteResult& r) -> nb::object {
                     return r.result_json ? nb::object(to_str(*r.result_json)) : nb::none();
                   })
      .def_prop_ro("result_error",
                   [](const ExecuteResult& r) -> nb::object {
                     return r.result_error ? nb::object(to_str(*r.result_error)) : nb::none();
                   })
      .def_ro("stdout_truncated", &ExecuteResult::stdout_truncated)
      .def_ro("stderr_truncated", &ExecuteResult::stderr_truncated)
      .def("__repr__", [](const ExecuteResult& r) {
        nb::str out = to_str(r.stdout_text);
        return nb::str("ExecuteResult(stdout={!r}, duration_ms={:.3f}, peak_memory_bytes={})")
            .format(out, std::chrono::duration<double, std::milli>(r.stats.duration).count(),
                    r.stats.peak_memory_bytes);
      });
}

}  // namespace eryx::python
