// eryx.Session: one live interpreter kept between executions.
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

namespace {

void set_vfs(SandboxOptions& options, std::shared_ptr<VfsStorage> vfs,
             const std::optional<std::string>& mount_path) {
  options.vfs = std::move(vfs);
  if (mount_path) options.vfs_mount_path = *mount_path;
}

// Session.from_snapshot(data, *, ...): a classmethod, so that eryx.Session.from_snapshot (the
// Python subclass with execute_async) returns an eryx.Session, as fork() keeps the caller's class.
nb::object session_from_snapshot(
    nb::type_object cls, const BytesLike& data, std::optional<PyResourceLimits> resource_limits,
    nb::object on_stdout, nb::object on_stderr, std::optional<std::string> result_variable,
    nb::handle callbacks, const PyNetConfig* network, std::shared_ptr<VfsStorage> vfs,
    std::optional<std::string> vfs_mount_path, nb::handle volumes,
    std::optional<std::vector<std::filesystem::path>> packages,
    std::optional<std::filesystem::path> site_packages, nb::handle secrets,
    std::optional<bool> scrub_stdout, std::optional<bool> scrub_stderr,
    std::optional<bool> scrub_result, std::optional<bool> scrub_files,
    std::optional<bool> scrub_callback_args, std::optional<std::string> guest) {
  if (!nb::type_check(cls) ||
      !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(cls.ptr()),
                        reinterpret_cast<PyTypeObject*>(nb::type<PySession>().ptr()))) {
    throw nb::type_error("Session.from_snapshot must be called on Session or a subclass");
  }
  auto built = make_options(
      resource_limits, std::move(on_stdout), std::move(on_stderr), std::move(result_variable),
      callbacks, network, volumes,
      {secrets, scrub_stdout, scrub_stderr, scrub_result, scrub_files, scrub_callback_args});
  set_vfs(built.options, vfs, vfs_mount_path);
  set_packages(built.options, std::move(packages), std::move(site_packages));
  built.options.guest = guest.value_or("");
  std::string mount_path = built.options.vfs_mount_path;  // the options move into the session
  std::string_view bytes = data.view();
  std::unique_ptr<Session> session;
  {
    // The buffer stays held (and a bytearray unresizable) while the GIL is released.
    GilRelease release;
    session = std::make_unique<Session>(Session::from_snapshot(bytes, std::move(built.options)));
  }
  nb::object obj = nb::inst_alloc(cls);
  new (nb::inst_ptr<PySession>(obj))
      PySession{std::move(session), {}, built.refs, std::move(vfs), std::move(mount_path)};
  nb::inst_mark_ready(obj);
  return obj;
}

}  // namespace

void init_session(nb::module_& m) {
  auto session_class = nb::class_<PySession>(m, "Session", nb::type_slots(session_slots));
  session_class
      .def(
          "__init__",
          [](PySession* self, std::optional<PyResourceLimits> resource_limits, nb::object on_stdout,
             nb::object on_stderr, std::optional<std::string> result_variable, nb::handle callbacks,
             const PyNetConfig* network, std::shared_ptr<VfsStorage> vfs,
             std::optional<std::string> vfs_mount_path, nb::handle execution_timeout_ms,
             nb::handle volumes, std::optional<std::vector<std::filesystem::path>> packages,
             std::optional<std::filesystem::path> site_packages, nb::handle secrets,
             std::optional<bool> scrub_stdout, std::optional<bool> scrub_stderr,
             std::optional<bool> scrub_result, std::optional<bool> scrub_files,
             std::optional<bool> scrub_callback_args, std::optional<std::string> guest) {
            // pyeryx's Session(execution_timeout_ms=...): overrides resource_limits' timeout;
            // None leaves it as the limits say.
            std::optional<uint64_t> timeout;
            if (!execution_timeout_ms.is_none()) {
              timeout = timeout_argument(execution_timeout_ms, "execution_timeout_ms");
            }
            auto built = make_options(resource_limits, std::move(on_stdout), std::move(on_stderr),
                                      std::move(result_variable), callbacks, network, volumes,
                                      {secrets, scrub_stdout, scrub_stderr, scrub_result,
                                       scrub_files, scrub_callback_args});
            set_vfs(built.options, vfs, vfs_mount_path);
            set_packages(built.options, std::move(packages), std::move(site_packages));
            if (timeout) built.options.limits.execution_timeout_ms = timeout;
            built.options.guest = guest.value_or("");
            std::string mount_path = built.options.vfs_mount_path;
            std::unique_ptr<Session> session;
            {
              GilRelease release;
              session = std::make_unique<Session>(std::move(built.options));
            }
            // Only a constructed session makes the wrapper own anything: when the constructor
            // throws, nanobind never destroys `self`, and what it held would leak.
            new (self) PySession{
                std::move(session), {}, built.refs, std::move(vfs), std::move(mount_path)};
          },
          nb::kw_only(), nb::arg("resource_limits").none() = nb::none(),
          nb::arg("on_stdout").none() = nb::none(), nb::arg("on_stderr").none() = nb::none(),
          nb::arg("result_variable").none() = "result", nb::arg("callbacks").none() = nb::none(),
          nb::arg("network").none() = nb::none(), nb::arg("vfs").none() = nb::none(),
          nb::arg("vfs_mount_path").none() = nb::none(),
          nb::arg("execution_timeout_ms").none() = nb::none(),
          nb::arg("volumes").none() = nb::none(), nb::arg("packages").none() = nb::none(),
          nb::arg("site_packages").none() = nb::none(), ERYX_PY_SECRET_KWARGS,
          nb::arg("guest").none() = nb::none())
      .def(
          "execute",
          [](PySession& self, const nb::str& code) {
            return execute_code(self, code, CancellationToken());
          },
          nb::arg("code"), "Runs code in the session's interpreter; state persists.")
      .def(
          "_execute_with_token",
          [](PySession& self, const nb::str& code, const PyStopToken& stop) {
            return execute_code(self, code, stop.token);
          },
          nb::arg("code"), nb::arg("token"))
      .def(
          "reset",
          [](PySession& self) {
            GilRelease release;
            self.live().reset();
          },
          "Replaces the interpreter with a fresh one.")
      .def(
          "fork",
          [](nb::handle self) {
            auto& parent = nb::cast<PySession&>(self);
            std::unique_ptr<Session> child;
            {
              GilRelease release;
              child = std::make_unique<Session>(parent.live().fork());
            }
            // The copy has the caller's own (sub)class, e.g. eryx.Session with execute_async. Its
            // handlers are the parent's Python objects: it holds (and reports to the collector)
            // a reference of its own, so collecting the parent cannot empty them under it.
            nb::object obj = nb::inst_alloc(self.type());
            std::shared_ptr<PythonRefs> refs;
            if (parent.refs) {
              refs = std::make_shared<PythonRefs>(
                  nb::borrow<nb::tuple>(nb::handle(parent.refs->tuple())));
            }
            new (nb::inst_ptr<PySession>(obj))
                PySession{std::move(child), {}, std::move(refs), parent.vfs, parent.vfs_mount_path};
            nb::inst_mark_ready(obj);
            return obj;
          },
          "A new, independent Session with this one's live state (variables, modules, generators, "
          "files).")
      .def(
          "snapshot",
          [](const PySession& self) {
            std::string bytes;
            {
              GilRelease release;
              bytes = self.live().snapshot();
            }
            return nb::bytes(bytes.data(), bytes.size());
          },
          "The live state fork() copies, as bytes for Session.from_snapshot().")
      // The state operations run guest code (__del__, __reduce__, unpickling): like execute()
      // they have the session's timeout and answer cancel(), interrupt() and Ctrl-C.
      .def(
          "clear_state",
          [](PySession& self) {
            run_cancellable(self.in_flight, CancellationToken(), [&](const CancellationToken& t) {
              self.live().clear_state(t);
              return true;
            });
          },
          "Drops the user's globals; imported modules stay warm.")
      .def(
          "snapshot_state",
          [](PySession& self) {
            std::string blob = run_cancellable(
                self.in_flight, CancellationToken(),
                [&](const CancellationToken& t) { return self.live().snapshot_state(t); });
            return nb::bytes(blob.data(), blob.size());
          },
          "Serialises the user's globals (pickle) to bytes.")
      .def(
          "restore_state",
          [](PySession& self, const BytesLike& blob) {
            std::string_view data = blob.view();  // held until the call returns
            run_cancellable(self.in_flight, CancellationToken(), [&](const CancellationToken& t) {
              self.live().restore_state(data, t);
              return true;
            });
          },
          nb::arg("state"), "Loads globals from snapshot_state() bytes; a corrupt blob raises.")
      .def(
          "cancel", [](PySession& self) { self.in_flight.cancel_all(); },
          "Stops the running execution at once (it raises CancelledError); the session's "
          "interpreter state is lost and the next execute starts fresh.")
      .def(
          "interrupt", [](PySession& self) { self.in_flight.interrupt_all(); },
          "Raises KeyboardInterrupt in the running execution, as Ctrl-C does; the session keeps "
          "its state (code that swallows it is stopped hard after 2 s, which loses it).")
      .def_prop_ro(
          "vfs", [](const PySession& self) { return self.vfs; },
          "The VfsStorage this session mounts, or None.")
      .def_prop_ro(
          "vfs_mount_path",
          [](const PySession& self) -> std::optional<std::string> {
            if (!self.vfs) return std::nullopt;
            return self.vfs_mount_path;
          },
          "Where the VfsStorage is mounted (e.g. /data), or None without one.")
      .def_prop_ro("execution_count",
                   [](const PySession& self) { return self.live().execution_count(); })
      .def_prop_rw(
          "execution_timeout_ms",
          [](const PySession& self) { return self.live().execution_timeout_ms(); },
          [](PySession& self, nb::handle value) {
            self.live().set_execution_timeout_ms(timeout_argument(value, "execution_timeout_ms"));
          },
          nb::arg("value").none());

  nb::object from_snapshot = nb::cpp_function(
      &session_from_snapshot, nb::name("from_snapshot"), nb::arg("cls"), nb::arg("data"),
      nb::kw_only(), nb::arg("resource_limits").none() = nb::none(),
      nb::arg("on_stdout").none() = nb::none(), nb::arg("on_stderr").none() = nb::none(),
      nb::arg("result_variable").none() = "result", nb::arg("callbacks").none() = nb::none(),
      nb::arg("network").none() = nb::none(), nb::arg("vfs").none() = nb::none(),
      nb::arg("vfs_mount_path").none() = nb::none(), nb::arg("volumes").none() = nb::none(),
      nb::arg("packages").none() = nb::none(), nb::arg("site_packages").none() = nb::none(),
      ERYX_PY_SECRET_KWARGS, nb::arg("guest").none() = nb::none(),
      "A new Session from snapshot() bytes; the options (packages too) and the VfsStorage are "
      "not part of the bytes.");
  session_class.attr("from_snapshot") = nb::steal(PyClassMethod_New(from_snapshot.ptr()));
}

}  // namespace eryx::python
