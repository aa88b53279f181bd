// The secrets= and scrub_*= keywords of Sandbox, Session, SandboxFactory.create_sandbox and
// Session.from_snapshot, as pyeryx spells them.
#pragma once

#include <optional>

#include "bindings.h"

namespace eryx::python {

struct PySecretArgs {
  nb::handle secrets = nb::none();  // None or {"NAME": {"value": str, "allowed_hosts": [str, ...]}}
  std::optional<bool> scrub_stdout;
  std::optional<bool> scrub_stderr;
  std::optional<bool> scrub_result;
  std::optional<bool> scrub_files;
  std::optional<bool> scrub_callback_args;
};

// Fills options.secrets and options.scrub. A non-dict secrets or entry, or a non-str name, value
// or host, raises TypeError; a missing "value" or an unknown key raises eryx.InvalidArgumentError
// (a ValueError). Names, values and patterns are checked when the sandbox is made.
void apply_secrets(SandboxOptions& options, const PySecretArgs& args);

}  // namespace eryx::python

// The keyword arguments, in the order of PySecretArgs's fields.
#define ERYX_PY_SECRET_KWARGS                                                               \
  nb::arg("secrets").none() = nb::none(), nb::arg("scrub_stdout").none() = nb::none(),      \
  nb::arg("scrub_stderr").none() = nb::none(), nb::arg("scrub_result").none() = nb::none(), \
  nb::arg("scrub_files").none() = nb::none(), nb::arg("scrub_callback_args").none() = nb::none()
