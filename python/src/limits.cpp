// eryx.ResourceLimits, keyword for keyword as the seeds define it.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "bindings.h"
#include "limits.h"

namespace eryx::python {

void init_limits(nb::module_& m) {
  nb::class_<PyResourceLimits>(m, "ResourceLimits")
      .def(
          "__init__",
          [](PyResourceLimits* self, std::optional<uint64_t> execution_timeout_ms,
             std::optional<uint64_t> callback_timeout_ms, std::optional<uint64_t> max_memory_bytes,
             std::optional<uint64_t> max_callback_invocations, std::optional<uint64_t> max_fuel,
             std::optional<uint64_t> max_vfs_bytes, uint64_t max_output_bytes,
             uint64_t max_callback_payload_bytes) {
            auto* limits = new (self) PyResourceLimits();
            limits->core.execution_timeout_ms = execution_timeout_ms;
            limits->core.max_memory_bytes = max_memory_bytes;
            limits->core.max_fuel = max_fuel;
            limits->core.max_vfs_bytes = max_vfs_bytes;
            limits->core.max_output_bytes = max_output_bytes;
            limits->core.max_callback_payload_bytes = max_callback_payload_bytes;
            limits->core.callback_timeout_ms = callback_timeout_ms;
            limits->core.max_callback_invocations = max_callback_invocations;
          },
          nb::arg("execution_timeout_ms").none() = 30000,
          nb::arg("callback_timeout_ms").none() = 10000,
          nb::arg("max_memory_bytes").none() = 134217728,
          nb::arg("max_callback_invocations").none() = 1000,
          nb::arg("max_fuel").none() = nb::none(), nb::arg("max_vfs_bytes").none() = nb::none(),
          nb::arg("max_output_bytes") = ResourceLimits{}.max_output_bytes,
          nb::arg("max_callback_payload_bytes") = ResourceLimits{}.max_callback_payload_bytes)
      .def_static("unlimited",
                  [] {
                    PyResourceLimits limits;
                    limits.core = ResourceLimits::unlimited();
                    return limits;
                  })
      .def_prop_rw(
          "execution_timeout_ms",
          [](const PyResourceLimits& l) { return l.core.execution_timeout_ms; },
          [](PyResourceLimits& l, std::optional<uint64_t> v) { l.core.execution_timeout_ms = v; },
          nb::arg("value").none())
      .def_prop_rw(
          "callback_timeout_ms",
          [](const PyResourceLimits& l) { return l.core.callback_timeout_ms; },
          [](PyResourceLimits& l, std::optional<uint64_t> v) { l.core.callback_timeout_ms = v; },
          nb::arg("value").none())
      .def_prop_rw(
          "max_memory_bytes", [](const PyResourceLimits& l) { return l.core.max_memory_bytes; },
          [](PyResourceLimits& l, std::optional<uint64_t> v) { l.core.max_memory_bytes = v; },
          nb::arg("value").none())
      .def_prop_rw(
          "max_callback_invocations",
          [](const PyResourceLimits& l) { return l.core.max_callback_invocations; },
          [](PyResourceLimits& l, std::optional<uint64_t> v) {
            l.core.max_callback_invocations = v;
          },
          nb::arg("value").none())
      .def_prop_rw(
          "max_callback_payload_bytes",
          [](const PyResourceLimits& l) { return l.core.max_callback_payload_bytes; },
          [](PyResourceLimits& l, uint64_t v) { l.core.max_callback_payload_bytes = v; })
      .def_prop_rw(
          "max_fuel", [](const PyResourceLimits& l) { return l.core.max_fuel; },
          [](PyResourceLimits& l, std::optional<uint64_t> v) { l.core.max_fuel = v; },
          nb::arg("value").none())
      .def_prop_rw(
          "max_vfs_bytes", [](const PyResourceLimits& l) { return l.core.max_vfs_bytes; },
          [](PyResourceLimits& l, std::optional<uint64_t> v) { l.core.max_vfs_bytes = v; },
          nb::arg("value").none())
      .def_prop_rw(
          "max_output_bytes", [](const PyResourceLimits& l) { return l.core.max_output_bytes; },
          [](PyResourceLimits& l, uint64_t v) { l.core.max_output_bytes = v; })
      .def("__repr__", [](const PyResourceLimits& l) {
        auto field = [](const std::optional<uint64_t>& v) {
          return v ? std::to_string(*v) : std::string("None");
        };
        return "ResourceLimits(execution_timeout_ms=" + field(l.core.execution_timeout_ms) +
               ", callback_timeout_ms=" + field(l.core.callback_timeout_ms) +
               ", max_memory_bytes=" + field(l.core.max_memory_bytes) +
               ", max_callback_invocations=" + field(l.core.max_callback_invocations) +
               ", max_fuel=" + field(l.core.max_fuel) +
               ", max_vfs_bytes=" + field(l.core.max_vfs_bytes) +
               ", max_output_bytes=" + std::to_string(l.core.max_output_bytes) +
               ", max_callback_payload_bytes=" + std::to_string(l.core.max_callback_payload_bytes) +
               ")";
      });
}

}  // namespace eryx::python
