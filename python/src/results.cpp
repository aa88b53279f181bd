// eryx.ExecuteResult: the seeds' field names over the C++ result. A value: compared by its
// fields, copied, and pickled (a result computed in a worker process travels back to its caller).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <tuple>

#include "bindings.h"

namespace eryx::python {
namespace {

// Every field, in a fixed order: for __eq__ and pickling. The duration goes as integer
// nanoseconds, so a round trip is exact.
using ResultState =
    std::tuple<std::string, std::string, bool, bool, std::optional<std::string>,
               std::optional<std::string>, int64_t, uint64_t, std::optional<uint64_t>, uint64_t>;

ResultState state_of(const ExecuteResult& r) {
  return {r.stdout_text,
          r.stderr_text,
          r.stdout_truncated,
          r.stderr_truncated,
          r.result_json,
          r.result_error,
          static_cast<int64_t>(r.stats.duration.count()),
          r.stats.peak_memory_bytes,
          r.stats.fuel_consumed,
          r.stats.callback_invocations};
}

ExecuteResult result_of(const ResultState& s) {
  ExecuteResult r;
  std::tie(r.stdout_text, r.stderr_text, r.stdout_truncated, r.stderr_truncated, r.result_json,
           r.result_error) = std::tie(std::get<0>(s), std::get<1>(s), std::get<2>(s),
                                      std::get<3>(s), std::get<4>(s), std::get<5>(s));
  if (std::get<6>(s) < 0) throw nb::value_error("ExecuteResult: a negative duration");
  r.stats.duration = std::chrono::nanoseconds(std::get<6>(s));
  r.stats.peak_memory_bytes = std::get<7>(s);
  r.stats.fuel_consumed = std::get<8>(s);
  r.stats.callback_invocations = std::get<9>(s);
  return r;
}

}  // namespace

void init_results(nb::module_& m) {
  nb::class_<ExecuteResult>(m, "ExecuteResult",
                            "What one successful execution produced: output, the result "
                            "variable (as JSON and parsed), and statistics.")
      .def_prop_ro("stdout", [](const ExecuteResult& r) { return to_str(r.stdout_text); })
      .def_prop_ro("stderr", [](const ExecuteResult& r) { return to_str(r.stderr_text); })
      // pyeryx 0.11's names for the decoded text (its stdout/stderr are bytes; ours are already
      // text, decoded with U+FFFD for bytes that are not UTF-8, as its *_text are).
      .def_prop_ro("stdout_text", [](const ExecuteResult& r) { return to_str(r.stdout_text); })
      .def_prop_ro("stderr_text", [](const ExecuteResult& r) { return to_str(r.stderr_text); })
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
      .def(
          "__eq__",
          [](const ExecuteResult& a, nb::handle b) -> nb::object {
            if (!nb::isinstance<ExecuteResult>(b)) return nb::borrow(Py_NotImplemented);
            return nb::bool_(state_of(a) == state_of(nb::cast<const ExecuteResult&>(b)));
          },
          nb::arg("other").none())
      .def("__copy__", [](const ExecuteResult& r) { return r; })
      .def(
          "__deepcopy__", [](const ExecuteResult& r, nb::handle) { return r; }, nb::arg("memo"))
      .def("__getstate__", [](const ExecuteResult& r) { return state_of(r); })
      .def("__setstate__",
           [](ExecuteResult& r, const ResultState& s) { new (&r) ExecuteResult(result_of(s)); })
      .def("__repr__", [](const ExecuteResult& r) {
        nb::str out = to_str(r.stdout_text);
        return nb::str("ExecuteResult(stdout={!r}, duration_ms={:.3f}, peak_memory_bytes={})")
            .format(out, std::chrono::duration<double, std::milli>(r.stats.duration).count(),
                    r.stats.peak_memory_bytes);
      });
  m.attr("ExecuteResult").attr("__hash__") = nb::none();  // equal by fields, not hashable
}

}  // namespace eryx::python
