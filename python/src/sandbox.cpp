// eryx.Sandbox: a fresh interpreter for every execute().
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "execution.h"
#include "packages.h"
#include "packages/package_set.h"
#include "py_types.h"

namespace eryx::python {

void init_sandbox(nb::module_& m) {
  // For tests: what the process-wide package cache holds (packages/package_set.h).
  m.def("_package_cache_stats", [] {
    auto stats = packages::cache_stats();
    nb::dict out;
    out["live_files"] = stats.live_files;
    out["live_file_bytes"] = stats.live_file_bytes;
    out["live_archives"] = stats.live_archives;
    out["archives_decoded"] = stats.archives_decoded;
    return out;
  });
  nb::class_<PyStopToken>(m, "_StopToken")
      .def(nb::init<>())
      .def("cancel", [](const PyStopToken& t) { t.token.cancel(); })
      .def("interrupt", [](const PyStopToken& t) { t.token.interrupt(); });
  nb::class_<PySandbox>(m, "Sandbox", nb::type_slots(sandbox_slots))
      .def(
          "__init__",
          [](PySandbox* self, std::optional<PyResourceLimits> resource_limits, nb::object on_stdout,
             nb::object on_stderr, std::optional<std::string> result_variable, nb::handle callbacks,
             const PyNetConfig* network, nb::handle volumes,
             std::optional<std::vector<std::filesystem::path>> packages,
             std::optional<std::filesystem::path> site_packages, nb::handle secrets,
             std::optional<bool> scrub_stdout, std::optional<bool> scrub_stderr,
             std::optional<bool> scrub_result, std::optional<bool> scrub_files,
             std::optional<bool> scrub_callback_args, std::optional<std::string> guest) {
            auto built = make_options(resource_limits, std::move(on_stdout), std::move(on_stderr),
                                      std::move(result_variable), callbacks, network, volumes,
                                      {secrets, scrub_stdout, scrub_stderr, scrub_result,
                                       scrub_files, scrub_callback_args});
            set_packages(built.options, std::move(packages), std::move(site_packages));
            built.options.guest = guest.value_or("");
            // Made before the Python object: nanobind never destroys an object whose __init__
            // threw (a bad volume, say), so nothing may be placed in it before this can throw.
            std::unique_ptr<Sandbox> sandbox;
            {
              GilRelease release;  // the first sandbox starts the shared runtime
              sandbox = std::make_unique<Sandbox>(std::move(built.options));
            }
            auto* py = new (self) PySandbox();
            py->refs = built.refs;
            py->sandbox = std::move(sandbox);
          },
          nb::kw_only(), nb::arg("resource_limits").none() = nb::none(),
          nb::arg("on_stdout").none() = nb::none(), nb::arg("on_stderr").none() = nb::none(),
          nb::arg("result_variable").none() = "result", nb::arg("callbacks").none() = nb::none(),
          nb::arg("network").none() = nb::none(), nb::arg("volumes").none() = nb::none(),
          nb::arg("packages").none() = nb::none(), nb::arg("site_packages").none() = nb::none(),
          ERYX_PY_SECRET_KWARGS, nb::arg("guest").none() = nb::none())
      .def(
          "execute",
          [](PySandbox& self, const nb::str& code) {
            return execute_code(self, code, CancellationToken());
          },
          nb::arg("code"), "Runs code in a fresh interpreter and returns an ExecuteResult.")
      .def(
          "_execute_with_token",
          [](PySandbox& self, const nb::str& code, const PyStopToken& stop) {
            return execute_code(self, code, stop.token);
          },
          nb::arg("code"), nb::arg("token"))
      .def(
          "cancel", [](PySandbox& self) { self.in_flight.cancel_all(); },
          "Stops every execution running on this sandbox at once (they raise CancelledError).")
      .def(
          "interrupt", [](PySandbox& self) { self.in_flight.interrupt_all(); },
          "Raises KeyboardInterrupt in every execution running on this sandbox, as Ctrl-C does; "
          "code that swallows it is stopped hard after 2 s.");
}

}  // namespace eryx::python
