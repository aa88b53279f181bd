// eryx.SandboxPool, eryx.PooledSandbox, eryx.PoolStats and SandboxFactory.create_pool, over
// eryx/pool.hpp, with the names and keywords of the reference (pyeryx).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "execution.h"
#include "limits.h"

namespace eryx::python {
namespace {

// One lease. The C++ lease is shared with the executions running on it (they hold a copy while
// the GIL is released), so release() from another thread never frees it under them: the lease is
// released at once and its slot comes back when they end.
struct PyPooledSandbox {
  std::shared_ptr<PooledSandbox> lease;  // null once released
  InFlight in_flight;
  std::shared_ptr<PythonRefs> refs;  // the lease's callbacks and output handlers

  std::shared_ptr<PooledSandbox> live() const {
    if (!lease) throw nb::value_error("this PooledSandbox was released to its pool");
    return lease;
  }
  void release() {
    if (lease) lease->release();
    lease.reset();
    refs.reset();
  }
};

int traverse_lease(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  if (!nb::inst_ready(self)) return 0;
  auto* wrapper = nb::inst_ptr<PyPooledSandbox>(self);
  if (wrapper->refs) Py_VISIT(wrapper->refs->tuple());
  return 0;
}

int clear_lease(PyObject* self) {
  nb::inst_ptr<PyPooledSandbox>(self)->release();
  return 0;
}

PyType_Slot lease_slots[] = {
    {Py_tp_traverse, (void*)traverse_lease}, {Py_tp_clear, (void*)clear_lease}, {0, nullptr}};

// The keywords of acquire() as LeaseOptions, and the Python objects they hold.
std::pair<LeaseOptions, std::shared_ptr<PythonRefs>> lease_options(
    const std::optional<PyResourceLimits>& resource_limits, nb::handle callbacks,
    nb::object on_stdout, nb::object on_stderr) {
  auto built = make_options(resource_limits, std::move(on_stdout), std::move(on_stderr), "result",
                            callbacks);
  LeaseOptions options;
  options.limits = built.options.limits;
  options.callbacks = std::move(built.options.callbacks);
  options.on_stdout = std::move(built.options.on_stdout);
  options.on_stderr = std::move(built.options.on_stderr);
  return {std::move(options), std::move(built.refs)};
}

// An instance of eryx.PooledSandbox (the Python class that adds execute_async).
nb::object wrap_lease(PooledSandbox lease, std::shared_ptr<PythonRefs> refs) {
  nb::object cls = nb::module_::import_("eryx").attr("PooledSandbox");
  nb::object obj = nb::inst_alloc(cls);
  new (nb::inst_ptr<PyPooledSandbox>(obj))
      PyPooledSandbox{std::make_shared<PooledSandbox>(std::move(lease)), {}, std::move(refs)};
  nb::inst_mark_ready(obj);
  return obj;
}

ExecuteResult execute_lease(PyPooledSandbox& self, const nb::str& code,
                            const CancellationToken& token) {
  std::string text = code_bytes(code);
  auto lease = self.live();
  return run_cancellable(self.in_flight, token,
                         [&](const CancellationToken& t) { return lease->execute(text, t); });
}

#define ERYX_PY_LEASE_KWARGS                                                                    \
  nb::kw_only(),                                                                                \
      nb::arg("resource_limits").none() = nb::none(), nb::arg("callbacks").none() = nb::none(), \
      nb::arg("on_stdout").none() = nb::none(), nb::arg("on_stderr").none() = nb::none()

}  // namespace

void init_pool(nb::module_& m) {
  nb::class_<PoolStats>(m, "PoolStats", "Statistics of a SandboxPool (SandboxPool.stats()).")
      .def_ro("total", &PoolStats::total, "Sandboxes the pool tracks: in use + idle.")
      .def_ro("idle", &PoolStats::idle, "Sandboxes ready to lease.")
      .def_ro("available", &PoolStats::available, "Leases that could start now: max_size - in_use.")
      .def_ro("in_use", &PoolStats::in_use,
              "Sandboxes leased (a released lease whose execution still runs counts).")
      .def_ro("total_acquisitions", &PoolStats::total_acquisitions,
              "Successful acquisitions since the pool was made.")
      .def_ro("total_creations", &PoolStats::total_creations,
              "Sandboxes made: min_idle at the start, then on demand.")
      .def_ro("wait_count", &PoolStats::wait_count,
              "Acquisitions that found every sandbox leased and waited.")
      .def_ro("total_wait_time_ms", &PoolStats::total_wait_time_ms,
              "Time those acquisitions waited, in milliseconds.")
      .def_prop_ro("average_wait_time_ms", &PoolStats::average_wait_time_ms,
                   "total_wait_time_ms / wait_count (0.0 without waits).")
      .def("__repr__", [](const PoolStats& s) {
        return "PoolStats(total=" + std::to_string(s.total) + ", idle=" + std::to_string(s.idle) +
               ", available=" + std::to_string(s.available) +
               ", in_use=" + std::to_string(s.in_use) +
               ", total_acquisitions=" + std::to_string(s.total_acquisitions) +
               ", total_creations=" + std::to_string(s.total_creations) +
               ", wait_count=" + std::to_string(s.wait_count) + ")";
      });

  nb::class_<PyPooledSandbox>(m, "PooledSandbox", nb::type_slots(lease_slots),
                              "A sandbox leased from a SandboxPool.")
      .def(
          "execute",
          [](PyPooledSandbox& self, const nb::str& code) {
            return execute_lease(self, code, CancellationToken());
          },
          nb::arg("code"),
          "Runs code in a fresh interpreter of the pool's factory and returns an ExecuteResult; "
          "ValueError once the lease was released.")
      .def(
          "_execute_with_token",
          [](PyPooledSandbox& self, const nb::str& code, const PyStopToken& stop) {
            return execute_lease(self, code, stop.token);
          },
          nb::arg("code"), nb::arg("token"))
      .def(
          "release", [](PyPooledSandbox& self) { self.release(); },
          "Gives the sandbox back to its pool; idempotent. An execution still running on it "
          "finishes first (its slot comes back when it ends).")
      .def_prop_ro(
          "released", [](const PyPooledSandbox& self) { return !self.lease; },
          "Whether release() was called.")
      .def(
          "cancel", [](PyPooledSandbox& self) { self.in_flight.cancel_all(); },
          "Stops every execution running on this lease at once (they raise CancelledError).")
      .def(
          "interrupt", [](PyPooledSandbox& self) { self.in_flight.interrupt_all(); },
          "Raises KeyboardInterrupt in every execution running on this lease, as Ctrl-C does.")
      .def("__enter__", [](nb::handle self) { return nb::borrow(self); })
      .def(
          "__exit__",
          [](PyPooledSandbox& self, nb::handle, nb::handle, nb::handle) { self.release(); },
          nb::arg("exc_type").none(), nb::arg("exc_val").none(), nb::arg("exc_tb").none());

  nb::class_<SandboxPool>(m, "SandboxPool",
                          "Leases a SandboxFactory's sandboxes to many threads, at most max_size "
                          "at once (docs/guide/pools.md). Made by SandboxFactory.create_pool().")
      .def(
          "acquire",
          [](const SandboxPool& pool, std::optional<PyResourceLimits> resource_limits,
             nb::handle callbacks, nb::object on_stdout, nb::object on_stderr) {
            auto [options, refs] = lease_options(resource_limits, callbacks, std::move(on_stdout),
                                                 std::move(on_stderr));
            // A free slot is taken with the GIL held: releasing it costs a GIL hand-over, which
            // under contention is the switch interval (5 ms), for nothing.
            if (auto free = pool.try_acquire(options)) return wrap_lease(std::move(*free), refs);
            // Waits without the GIL; Ctrl-C on the main thread ends the wait (KeyboardInterrupt).
            InFlight in_flight;
            CancellationToken token;
            auto lease = run_cancellable(in_flight, token, [&](const CancellationToken& t) {
              return pool.acquire(std::move(options), t);
            });
            return wrap_lease(std::move(lease), std::move(refs));
          },
          ERYX_PY_LEASE_KWARGS,
          "A lease, waiting up to acquire_timeout_ms (without the GIL) when every sandbox is out: "
          "PoolTimeoutError past it, PoolExhaustedError at once when acquire_timeout_ms is 0, "
          "PoolClosedError when the pool is closed.")
      .def(
          "try_acquire",
          [](const SandboxPool& pool, std::optional<PyResourceLimits> resource_limits,
             nb::handle callbacks, nb::object on_stdout, nb::object on_stderr) -> nb::object {
            auto [options, refs] = lease_options(resource_limits, callbacks, std::move(on_stdout),
                                                 std::move(on_stderr));
            auto lease = pool.try_acquire(std::move(options));
            if (!lease) return nb::none();
            return wrap_lease(std::move(*lease), std::move(refs));
          },
          ERYX_PY_LEASE_KWARGS,
          "A lease if one is free now, else None; PoolClosedError when the pool is closed.")
      .def("stats", &SandboxPool::stats, "The pool's PoolStats now.")
      .def("evict_idle", &SandboxPool::evict_idle,
           "Drops sandboxes idle longer than idle_timeout_ms, keeping min_idle; returns how many.")
      .def("close", &SandboxPool::close,
           "No more leases: blocked acquire() calls raise PoolClosedError, idle sandboxes are "
           "dropped; leases out keep working.")
      .def_prop_ro("is_closed", &SandboxPool::is_closed, "Whether close() was called.")
      .def_prop_ro(
          "max_size", [](const SandboxPool& pool) { return pool.options().max_size; },
          "Leases out at once, at most.")
      .def("__enter__", [](nb::handle self) { return nb::borrow(self); })
      .def(
          "__exit__",
          [](const SandboxPool& pool, nb::handle, nb::handle, nb::handle) { pool.close(); },
          nb::arg("exc_type").none(), nb::arg("exc_val").none(), nb::arg("exc_tb").none());

  // A method of SandboxFactory (bound in factory.cpp), added here to keep the pool in one file.
  nb::handle factory = m.attr("SandboxFactory");
  factory.attr("create_pool") = nb::cpp_function(
      [](const SandboxFactory& self, size_t max_size, size_t min_idle, uint64_t acquire_timeout_ms,
         uint64_t idle_timeout_ms) {
        return self.create_pool({.max_size = max_size,
                                 .min_idle = min_idle,
                                 .acquire_timeout_ms = acquire_timeout_ms,
                                 .idle_timeout_ms = idle_timeout_ms});
      },
      nb::is_method(), nb::scope(factory), nb::name("create_pool"), nb::kw_only(),
      nb::arg("max_size") = 10, nb::arg("min_idle") = 1, nb::arg("acquire_timeout_ms") = 30000,
      nb::arg("idle_timeout_ms") = 300000,
      "A SandboxPool leasing this factory's sandboxes: at most max_size at once, min_idle kept "
      "ready, acquire() waiting up to acquire_timeout_ms, evict_idle() dropping sandboxes idle "
      "past idle_timeout_ms (docs/guide/pools.md).");
}

}  // namespace eryx::python
