// eryx.SandboxFactory: pre-initialised interpreters, as the seeds define it.
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bytes_like.h"
#include "execution.h"
#include "packages.h"
#include "py_types.h"

namespace eryx::python {

void init_factory(nb::module_& m) {
  nb::class_<SandboxFactory>(
      m, "SandboxFactory",
      "An interpreter pre-initialised once (imports, packages, setup code); its sandboxes start "
      "from that state in about the time of a plain one (docs/guide/factories.md).")
      .def(
          "__init__",
          [](SandboxFactory* self, std::optional<std::vector<std::filesystem::path>> packages,
             std::optional<std::vector<std::string>> imports,
             std::optional<std::filesystem::path> site_packages, nb::handle build_timeout_ms,
             std::optional<std::string> setup_code, std::optional<std::string> guest) {
            FactoryOptions options;
            options.guest = guest.value_or("");
            options.setup_code = setup_code.value_or("");
            options.packages = packages.value_or(std::vector<std::filesystem::path>{});
            options.imports = imports.value_or(std::vector<std::string>{});
            options.site_packages = std::move(site_packages);
            options.build_timeout_ms = timeout_argument(build_timeout_ms, "build_timeout_ms");
            // The imports run guest code: Ctrl-C interrupts the build like an execution.
            InFlight in_flight;
            CancellationToken token = options.cancel;
            auto built = run_cancellable(in_flight, token, [&](const CancellationToken&) {
              return SandboxFactory(std::move(options));
            });
            new (self) SandboxFactory(built);
          },
          nb::kw_only(), nb::arg("packages").none() = nb::none(),
          nb::arg("imports").none() = nb::none(), nb::arg("site_packages").none() = nb::none(),
          nb::arg("build_timeout_ms").none() = 60000, nb::arg("setup_code").none() = nb::none(),
          nb::arg("guest").none() = nb::none(),
          "Builds the factory: loads the packages, imports the modules, runs setup_code. Ctrl-C "
          "interrupts it; a failure raises InitializationError with the guest's traceback.")
      .def(
          "create_sandbox",
          [](const SandboxFactory& factory, std::optional<PyResourceLimits> resource_limits,
             nb::object on_stdout, nb::object on_stderr, std::optional<std::string> result_variable,
             nb::handle callbacks, const PyNetConfig* network, nb::handle volumes,
             std::optional<std::vector<std::filesystem::path>> packages,
             std::optional<std::filesystem::path> site_packages, nb::handle secrets,
             std::optional<bool> scrub_stdout, std::optional<bool> scrub_stderr,
             std::optional<bool> scrub_result, std::optional<bool> scrub_files,
             std::optional<bool> scrub_callback_args) {
            auto built = make_options(resource_limits, std::move(on_stdout), std::move(on_stderr),
                                      std::move(result_variable), callbacks, network, volumes,
                                      {secrets, scrub_stdout, scrub_stderr, scrub_result,
                                       scrub_files, scrub_callback_args});
            set_packages(built.options, std::move(packages), std::move(site_packages));
            // An instance of eryx.Sandbox (the Python class with execute_async).
            nb::object cls = nb::module_::import_("eryx").attr("Sandbox");
            nb::object obj = nb::inst_alloc(cls);
            new (nb::inst_ptr<PySandbox>(obj)) PySandbox{
                std::make_unique<Sandbox>(factory.create_sandbox(std::move(built.options))),
                {},
                built.refs};
            nb::inst_mark_ready(obj);
            return obj;
          },
          nb::kw_only(), nb::arg("resource_limits").none() = nb::none(),
          nb::arg("on_stdout").none() = nb::none(), nb::arg("on_stderr").none() = nb::none(),
          nb::arg("result_variable").none() = "result", nb::arg("callbacks").none() = nb::none(),
          nb::arg("network").none() = nb::none(), nb::arg("volumes").none() = nb::none(),
          nb::arg("packages").none() = nb::none(), nb::arg("site_packages").none() = nb::none(),
          ERYX_PY_SECRET_KWARGS, "A Sandbox whose every execution starts from the factory's state.")
      .def(
          "create_session",
          [](const SandboxFactory& factory, std::optional<PyResourceLimits> resource_limits,
             nb::object on_stdout, nb::object on_stderr, std::optional<std::string> result_variable,
             nb::handle callbacks, const PyNetConfig* network, std::shared_ptr<VfsStorage> vfs,
             std::optional<std::string> vfs_mount_path, nb::handle execution_timeout_ms,
             nb::handle volumes, std::optional<std::vector<std::filesystem::path>> packages,
             std::optional<std::filesystem::path> site_packages, nb::handle secrets,
             std::optional<bool> scrub_stdout, std::optional<bool> scrub_stderr,
             std::optional<bool> scrub_result, std::optional<bool> scrub_files,
             std::optional<bool> scrub_callback_args) {
            auto built = make_options(resource_limits, std::move(on_stdout), std::move(on_stderr),
                                      std::move(result_variable), callbacks, network, volumes,
                                      {secrets, scrub_stdout, scrub_stderr, scrub_result,
                                       scrub_files, scrub_callback_args});
            set_packages(built.options, std::move(packages), std::move(site_packages));
            built.options.vfs = vfs;
            if (vfs_mount_path) built.options.vfs_mount_path = *vfs_mount_path;
            if (!execution_timeout_ms.is_none()) {
              built.options.limits.execution_timeout_ms =
                  timeout_argument(execution_timeout_ms, "execution_timeout_ms");
            }
            std::string mount_path = built.options.vfs_mount_path;
            std::unique_ptr<Session> session;
            {
              GilRelease release;
              session = std::make_unique<Session>(factory.create_session(std::move(built.options)));
            }
            // An instance of eryx.Session (the Python class with execute_async).
            nb::object cls = nb::module_::import_("eryx").attr("Session");
            nb::object obj = nb::inst_alloc(cls);
            new (nb::inst_ptr<PySession>(obj)) PySession{
                std::move(session), {}, built.refs, std::move(vfs), std::move(mount_path)};
            nb::inst_mark_ready(obj);
            return obj;
          },
          nb::kw_only(), nb::arg("resource_limits").none() = nb::none(),
          nb::arg("on_stdout").none() = nb::none(), nb::arg("on_stderr").none() = nb::none(),
          nb::arg("result_variable").none() = "result", nb::arg("callbacks").none() = nb::none(),
          nb::arg("network").none() = nb::none(), nb::arg("vfs").none() = nb::none(),
          nb::arg("vfs_mount_path").none() = nb::none(),
          nb::arg("execution_timeout_ms").none() = nb::none(),
          nb::arg("volumes").none() = nb::none(), nb::arg("packages").none() = nb::none(),
          nb::arg("site_packages").none() = nb::none(), ERYX_PY_SECRET_KWARGS,
          "A Session that starts from the factory's state and keeps its own from then on; reset() "
          "returns it to the factory's state. Options as Session().")
      .def_prop_ro("size_bytes", &SandboxFactory::size_bytes,
                   "Bytes of state the factory holds (memory pages and package files).")
      .def(
          "to_bytes",
          [](const SandboxFactory& factory) {
            auto bytes = factory.to_bytes();
            return nb::bytes(bytes.data(), bytes.size());
          },
          "The factory as bytes (versioned, checksummed, tied to this eryx build's guest).")
      .def(
          "save",
          [](const SandboxFactory& factory, const std::filesystem::path& path) {
            GilRelease release;
            factory.save(path);
          },
          nb::arg("path"), "Writes to_bytes() to a file, atomically.")
      .def_static(
          "load",
          [](const std::filesystem::path& path, std::optional<std::string> guest) {
            GilRelease release;
            return SandboxFactory::load(path, Runtime::shared(guest.value_or("")));
          },
          nb::arg("path"), nb::kw_only(), nb::arg("guest").none() = nb::none(),
          "A factory from a save()d file; a corrupt, truncated or foreign file raises EryxError. "
          "guest: the guest flavour it was built for.")
      .def_static(
          "from_bytes",
          [](const BytesLike& data, std::optional<std::string> guest) {
            std::string_view bytes = data.view();  // the buffer is held until the call returns
            GilRelease release;
            return SandboxFactory::from_bytes(bytes, Runtime::shared(guest.value_or("")));
          },
          nb::arg("data"), nb::kw_only(), nb::arg("guest").none() = nb::none(),
          "A factory from to_bytes() data; bad data raises EryxError. guest: the guest flavour it "
          "was built for.");
}

}  // namespace eryx::python
