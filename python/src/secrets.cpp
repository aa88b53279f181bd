#include "secrets.h"

#include <string>

namespace eryx::python {
namespace {

std::string text_of(nb::handle value, const std::string& what) {
  if (!nb::isinstance<nb::str>(value)) {
    // nb::str's own c_str(): nb::cast<std::string> needs nanobind/stl/string.h, and without it
    // the message itself threw std::bad_cast (a RuntimeError instead of this TypeError).
    throw nb::type_error(
        (what + " must be a str, not " + nb::type_name(value.type()).c_str()).c_str());
  }
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
  if (data == nullptr) {
    PyErr_Clear();
    throw InvalidArgumentError("eryx: " + what + " is not valid Unicode");
  }
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

void apply_secrets(SandboxOptions& options, const PySecretArgs& args) {
  options.scrub.stdout_text = args.scrub_stdout;
  options.scrub.stderr_text = args.scrub_stderr;
  options.scrub.result = args.scrub_result;
  options.scrub.files = args.scrub_files;
  options.scrub.callback_args = args.scrub_callback_args;
  if (args.secrets.is_none()) return;
  if (!nb::isinstance<nb::dict>(args.secrets)) {
    throw nb::type_error("secrets must be a dict of name -> {'value': ..., 'allowed_hosts': [...]}");
  }
  for (auto [key, entry] : nb::borrow<nb::dict>(args.secrets)) {
    std::string name = text_of(key, "a secret's name");
    std::string where = "secrets['" + name + "']";
    if (!nb::isinstance<nb::dict>(entry)) {
      throw nb::type_error((where + " must be a dict with 'value' and optionally 'allowed_hosts'")
                               .c_str());
    }
    Secret secret;
    bool has_value = false;
    for (auto [field, item] : nb::borrow<nb::dict>(entry)) {
      std::string field_name = text_of(field, where + " key");
      if (field_name == "value") {
        secret.value = text_of(item, where + "['value']");
        has_value = true;
      } else if (field_name == "allowed_hosts") {
        if (item.is_none()) continue;
        if (nb::isinstance<nb::str>(item) || !PySequence_Check(item.ptr())) {
          throw nb::type_error((where + "['allowed_hosts'] must be a list of str").c_str());
        }
        size_t index = 0;
        for (nb::handle host : nb::iter(item)) {
          secret.allowed_hosts.push_back(
              text_of(host, where + "['allowed_hosts'][" + std::to_string(index++) + "]"));
        }
      } else {
        // A misspelt allowed_hosts would otherwise widen where the value may go.
        throw InvalidArgumentError("eryx: " + where + " has an unknown key '" + field_name +
                                   "' (expected 'value' and 'allowed_hosts')");
      }
    }
    if (!has_value) throw InvalidArgumentError("eryx: " + where + " has no 'value'");
    options.secrets.emplace(std::move(name), std::move(secret));
  }
}

}  // namespace eryx::python
