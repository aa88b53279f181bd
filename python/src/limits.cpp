// eryx.ResourceLimits, keyword for keyword as the seeds define it. Every value is checked where it
// enters: an int from 0 to 2**64-1 (or None where a limit can be off); a timeout of 0 is refused,
// since None is how to say "no limit". Wrong values raise InvalidArgumentError (a ValueError) or
// TypeError, naming the field.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "bindings.h"
#include "limits.h"

namespace eryx::python {
namespace {

enum class Zero { kAllowed, kRefused };

// The value of `field` as a limit; nullopt for None when `nullable`.
// The largest value of `field` (ResourceLimits::kMax*); none for counts (fuel, invocations).
uint64_t maximum_of(std::string_view field) {
  if (field.ends_with("timeout_ms")) return ResourceLimits::kMaxTimeoutMs;
  if (field == "max_memory_bytes") return ResourceLimits::kMaxMemoryBytes;
  if (field == "max_vfs_bytes") return ResourceLimits::kMaxVfsBytes;
  if (field == "max_output_bytes" || field == "max_callback_payload_bytes")
    return ResourceLimits::kMaxBufferBytes;
  return UINT64_MAX;
}

std::optional<uint64_t> to_limit(nb::handle value, const char* field, bool nullable,
                                 Zero zero = Zero::kAllowed) {
  if (value.is_none()) {
    if (nullable) return std::nullopt;
    throw nb::type_error((std::string(field) + " must be an int, not None").c_str());
  }
  if (PyBool_Check(value.ptr()) || !PyLong_Check(value.ptr())) {
    std::string type = nb::cast<std::string>(nb::handle(value.type()).attr("__name__"));
    throw nb::type_error(
        (std::string(field) + " must be an int" + (nullable ? " or None" : "") + ", not " + type)
            .c_str());
  }
  int overflow = 0;
  long long as_signed = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow < 0 || (overflow == 0 && as_signed < 0)) {
    throw InvalidArgumentError("eryx: " + std::string(field) + " must not be negative, got " +
                               nb::cast<std::string>(nb::str(value)));
  }
  unsigned long long as_unsigned = PyLong_AsUnsignedLongLong(value.ptr());
  if (as_unsigned == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
    PyErr_Clear();
    throw InvalidArgumentError("eryx: " + std::string(field) + " is too large (at most 2**64-1)");
  }
  if (as_unsigned > maximum_of(field)) {
    throw InvalidArgumentError("eryx: " + std::string(field) +
                               " is too large: " + std::to_string(as_unsigned) + " (at most " +
                               std::to_string(maximum_of(field)) +
                               (nullable ? "; None means no limit)" : ")"));
  }
  if (as_unsigned == 0 && zero == Zero::kRefused) {
    throw InvalidArgumentError("eryx: " + std::string(field) + " must be positive" +
                               (nullable ? " (None means no limit)" : ""));
  }
  return as_unsigned;
}

// A property of PyResourceLimits backed by the member `Member`.
template <auto Member, bool Nullable, Zero ZeroRule = Zero::kAllowed>
void def_limit(nb::class_<PyResourceLimits>& cls, const char* name) {
  cls.def_prop_rw(
      name,
      [](const PyResourceLimits& l) -> nb::object {
        if constexpr (Nullable) {
          const auto& v = l.core.*Member;
          return v ? nb::cast(*v) : nb::none();
        } else {
          return nb::cast(l.core.*Member);
        }
      },
      [name](PyResourceLimits& l, nb::handle v) {
        auto value = to_limit(v, name, Nullable, ZeroRule);
        if constexpr (Nullable) {
          l.core.*Member = value;
        } else {
          l.core.*Member = *value;
        }
      },
      nb::arg("value").none());
}

// The limits from Python values, each checked and named; the order of __init__'s keywords, which
// is also the pickled state's.
ResourceLimits limits_from(nb::handle execution_timeout_ms, nb::handle callback_timeout_ms,
                           nb::handle max_memory_bytes, nb::handle max_callback_invocations,
                           nb::handle max_fuel, nb::handle max_vfs_bytes,
                           nb::handle max_output_bytes, nb::handle max_callback_payload_bytes) {
  ResourceLimits core;
  core.execution_timeout_ms =
      to_limit(execution_timeout_ms, "execution_timeout_ms", true, Zero::kRefused);
  core.callback_timeout_ms =
      to_limit(callback_timeout_ms, "callback_timeout_ms", true, Zero::kRefused);
  core.max_memory_bytes = to_limit(max_memory_bytes, "max_memory_bytes", true);
  core.max_callback_invocations =
      to_limit(max_callback_invocations, "max_callback_invocations", true);
  core.max_fuel = to_limit(max_fuel, "max_fuel", true);
  core.max_vfs_bytes = to_limit(max_vfs_bytes, "max_vfs_bytes", true);
  core.max_output_bytes = *to_limit(max_output_bytes, "max_output_bytes", false);
  core.max_callback_payload_bytes =
      *to_limit(max_callback_payload_bytes, "max_callback_payload_bytes", false);
  return core;
}

nb::object optional_int(const std::optional<uint64_t>& value) {
  return value ? nb::cast(*value) : nb::none();
}

nb::tuple state_of(const ResourceLimits& l) {
  return nb::make_tuple(optional_int(l.execution_timeout_ms), optional_int(l.callback_timeout_ms),
                        optional_int(l.max_memory_bytes), optional_int(l.max_callback_invocations),
                        optional_int(l.max_fuel), optional_int(l.max_vfs_bytes), l.max_output_bytes,
                        l.max_callback_payload_bytes);
}

}  // namespace

std::optional<uint64_t> timeout_argument(nb::handle value, const char* field) {
  return to_limit(value, field, /*nullable=*/true, Zero::kRefused);
}

void init_limits(nb::module_& m) {
  auto cls = nb::class_<PyResourceLimits>(
      m, "ResourceLimits",
      "Limits of each execution. None turns a limit off (max_vfs_bytes: None is the 64 MiB "
      "default). Values are checked where they are given; a ValueError or TypeError names the "
      "field. Compares, copies and pickles as a value.");
  cls.def(
         "__init__",
         [](PyResourceLimits* self, nb::handle execution_timeout_ms, nb::handle callback_timeout_ms,
            nb::handle max_memory_bytes, nb::handle max_callback_invocations, nb::handle max_fuel,
            nb::handle max_vfs_bytes, nb::handle max_output_bytes,
            nb::handle max_callback_payload_bytes) {
           new (self) PyResourceLimits{limits_from(execution_timeout_ms, callback_timeout_ms,
                                                   max_memory_bytes, max_callback_invocations,
                                                   max_fuel, max_vfs_bytes, max_output_bytes,
                                                   max_callback_payload_bytes)};
         },
         nb::arg("execution_timeout_ms").none() = 30000,
         nb::arg("callback_timeout_ms").none() = 10000,
         nb::arg("max_memory_bytes").none() = 134217728,
         nb::arg("max_callback_invocations").none() = 1000, nb::arg("max_fuel").none() = nb::none(),
         nb::arg("max_vfs_bytes").none() = nb::none(),
         nb::arg("max_output_bytes").none() = ResourceLimits{}.max_output_bytes,
         nb::arg("max_callback_payload_bytes").none() = ResourceLimits{}.max_callback_payload_bytes,
         "Defaults: 30 s per execution, 10 s per callback, 128 MiB of guest memory, 1000 callback "
         "calls, no fuel limit, 1 MiB of stdout and of stderr kept, 4 MiB per callback payload.")
      .def_static(
          "unlimited",
          [] {
            PyResourceLimits limits;
            limits.core = ResourceLimits::unlimited();
            return limits;
          },
          "No time, memory or callback limits. The VFS, output and payload caps stay: they bound "
          "the host's memory.");
  def_limit<&ResourceLimits::execution_timeout_ms, true, Zero::kRefused>(cls,
                                                                         "execution_timeout_ms");
  def_limit<&ResourceLimits::callback_timeout_ms, true, Zero::kRefused>(cls, "callback_timeout_ms");
  def_limit<&ResourceLimits::max_memory_bytes, true>(cls, "max_memory_bytes");
  def_limit<&ResourceLimits::max_callback_invocations, true>(cls, "max_callback_invocations");
  def_limit<&ResourceLimits::max_callback_payload_bytes, false>(cls, "max_callback_payload_bytes");
  def_limit<&ResourceLimits::max_fuel, true>(cls, "max_fuel");
  def_limit<&ResourceLimits::max_vfs_bytes, true>(cls, "max_vfs_bytes");
  def_limit<&ResourceLimits::max_output_bytes, false>(cls, "max_output_bytes");
  // A value, like a dataclass: equal by fields, copyable, picklable (the state is checked again
  // on unpickling), and unhashable since it is mutable.
  cls.def(
         "__eq__",
         [](const PyResourceLimits& a, nb::handle b) -> nb::object {
           if (!nb::isinstance<PyResourceLimits>(b)) return nb::borrow(Py_NotImplemented);
           return nb::bool_(
               state_of(a.core).equal(state_of(nb::cast<const PyResourceLimits&>(b).core)));
         },
         nb::arg("other").none())
      .def("__copy__", [](const PyResourceLimits& l) { return l; })
      .def(
          "__deepcopy__", [](const PyResourceLimits& l, nb::handle) { return l; }, nb::arg("memo"))
      .def("__getstate__", [](const PyResourceLimits& l) { return state_of(l.core); })
      .def("__setstate__", [](PyResourceLimits& l, nb::handle state) {
        if (!PyTuple_Check(state.ptr()) || PyTuple_GET_SIZE(state.ptr()) != 8) {
          throw nb::type_error("ResourceLimits.__setstate__ takes a tuple of 8 limits");
        }
        nb::tuple s = nb::borrow<nb::tuple>(state);
        new (&l) PyResourceLimits{limits_from(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])};
      });
  cls.attr("__hash__") = nb::none();
  cls.def("__repr__", [](const PyResourceLimits& l) {
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
