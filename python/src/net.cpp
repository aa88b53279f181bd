// eryx.NetConfig: every keyword and builder of pyeryx's NetConfig (plus map_host, a fixed name ->
// address entry like curl --resolve). The config is validated after every change, so an invalid
// pattern, CIDR or certificate raises InvalidArgumentError (a ValueError) where it was given.
#include "net.h"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>

#include "bytes_like.h"
#include "limits.h"

namespace eryx::python {
namespace {

using Strings = std::optional<std::vector<std::string>>;

uint64_t positive(nb::handle value, const char* field) {
  auto limit = timeout_argument(value, field);
  if (!limit) throw nb::type_error((std::string(field) + " must be an int, not None").c_str());
  return *limit;
}

// Bytes (DER or PEM) or str (PEM) as the certificate's bytes.
std::string certificate_bytes(nb::handle value) {
  if (nb::isinstance<nb::bytes>(value)) {
    auto bytes = nb::borrow<nb::bytes>(value);
    return std::string(static_cast<const char*>(bytes.data()), bytes.size());
  }
  if (nb::isinstance<nb::str>(value)) return nb::cast<std::string>(value);
  if (BytesLike buffer; buffer.acquire(value.ptr())) return std::string(buffer.view());
  throw nb::type_error("with_root_cert takes the certificate as bytes (DER or PEM) or str (PEM)");
}

PyNetConfig& validated(PyNetConfig& config) {
  config.core.validate();
  return config;
}

template <auto Member>
void def_list(nb::class_<PyNetConfig>& cls, const char* name) {
  cls.def_prop_rw(
      name, [](const PyNetConfig& c) { return c.core.*Member; },
      [](PyNetConfig& c, std::vector<std::string> value) {
        auto previous = std::move(c.core.*Member);
        c.core.*Member = std::move(value);
        try {
          c.core.validate();
        } catch (...) {
          c.core.*Member = std::move(previous);
          throw;
        }
      });
}

}  // namespace

void init_net(nb::module_& m) {
  auto cls = nb::class_<PyNetConfig>(
      m, "NetConfig",
      "What a sandbox may reach over the network. Without one a sandbox has no network; with one, "
      "public hosts are allowed unless allowed_hosts restricts them, private and loopback networks "
      "stay blocked, and the host checks every resolved address (docs/guide/networking.md).");
  cls.def(
         "__init__",
         [](PyNetConfig* self, nb::handle max_connections, nb::handle connect_timeout_ms,
            nb::handle io_timeout_ms, std::optional<bool> allow_all_hosts, Strings allowed_hosts,
            Strings blocked_hosts, Strings blocked_networks, Strings allowed_networks,
            Strings internal_hosts) {
           NetConfig core;
           uint64_t connections = positive(max_connections, "max_connections");
           if (connections > UINT32_MAX) {
             throw InvalidArgumentError("eryx: max_connections is too large");
           }
           core.max_connections = static_cast<uint32_t>(connections);
           core.connect_timeout_ms = positive(connect_timeout_ms, "connect_timeout_ms");
           core.io_timeout_ms = positive(io_timeout_ms, "io_timeout_ms");
           core.allow_all_hosts = allow_all_hosts;
           if (allowed_hosts) core.allowed_hosts = std::move(*allowed_hosts);
           if (blocked_hosts) core.blocked_hosts = std::move(*blocked_hosts);
           if (blocked_networks) core.blocked_networks = std::move(*blocked_networks);
           if (allowed_networks) core.allowed_networks = std::move(*allowed_networks);
           if (internal_hosts) core.internal_hosts = std::move(*internal_hosts);
           core.validate();
           new (self) PyNetConfig{std::move(core)};
         },
         nb::kw_only(), nb::arg("max_connections") = 10, nb::arg("connect_timeout_ms") = 30000,
         nb::arg("io_timeout_ms") = 60000, nb::arg("allow_all_hosts").none() = nb::none(),
         nb::arg("allowed_hosts").none() = nb::none(), nb::arg("blocked_hosts").none() = nb::none(),
         nb::arg("blocked_networks").none() = nb::none(),
         nb::arg("allowed_networks").none() = nb::none(),
         nb::arg("internal_hosts").none() = nb::none(),
         "A policy: connection cap and timeouts, host patterns to allow or block, networks to "
         "allow or block (CIDR), internal host names allowed to resolve to private addresses. "
         "Invalid values raise InvalidArgumentError.")
      .def_static(
          "permissive", [] { return PyNetConfig{NetConfig::permissive()}; },
          "Every host, private and loopback networks included (for trusted code and tests).")
      .def(
          "allow_host",
          [](PyNetConfig& c, std::string p) -> PyNetConfig& {
            c.core.allow_host(std::move(p));
            return validated(c);
          },
          nb::arg("pattern"), nb::rv_policy::reference,
          "Allows only hosts matching the pattern ('api.example.com', '*.example.com'); "
          "repeatable; returns self.")
      .def(
          "block_host",
          [](PyNetConfig& c, std::string p) -> PyNetConfig& {
            c.core.block_host(std::move(p));
            return validated(c);
          },
          nb::arg("pattern"), nb::rv_policy::reference,
          "Refuses hosts matching the pattern, even when otherwise allowed; returns self.")
      .def(
          "allow_network",
          [](PyNetConfig& c, std::string cidr) -> PyNetConfig& {
            c.core.allow_network(std::move(cidr));
            return validated(c);
          },
          nb::arg("cidr"), nb::rv_policy::reference,
          "Allows a network (CIDR, e.g. '10.1.0.0/16'), also a private one; returns self.")
      .def(
          "allow_internal_host",
          [](PyNetConfig& c, std::string p) -> PyNetConfig& {
            c.core.allow_internal_host(std::move(p));
            return validated(c);
          },
          nb::arg("pattern"), nb::rv_policy::reference,
          "Lets a name matching the pattern resolve to private addresses; returns self.")
      .def(
          "allow_localhost",
          [](PyNetConfig& c) -> PyNetConfig& {
            c.core.allow_localhost();
            return validated(c);
          },
          nb::rv_policy::reference, "Also allows localhost, 127.0.0.0/8 and ::1; returns self.")
      .def(
          "with_root_cert",
          [](PyNetConfig& c, nb::handle cert) -> PyNetConfig& {
            c.core.with_root_cert(certificate_bytes(cert));
            try {
              c.core.validate();
            } catch (...) {
              c.core.root_certs.pop_back();
              throw;
            }
            return c;
          },
          nb::arg("cert"), nb::rv_policy::reference,
          "Trusts a root certificate besides the system's (DER or PEM bytes-like, or PEM str; a "
          "PEM may hold several); returns self.")
      .def(
          "map_host",
          [](PyNetConfig& c, std::string name, std::vector<std::string> addresses) -> PyNetConfig& {
            auto resolver = std::dynamic_pointer_cast<StaticResolver>(c.core.resolver);
            if (!resolver) {
              resolver = std::make_shared<StaticResolver>();
              c.core.resolver = resolver;
            }
            resolver->add(std::move(name), std::move(addresses));
            return c;
          },
          nb::arg("name"), nb::arg("addresses"), nb::rv_policy::reference,
          "Resolves `name` to these addresses (and no other name through the system resolver); "
          "the addresses are still checked against the policy.")
      .def_prop_rw(
          "max_connections", [](const PyNetConfig& c) { return c.core.max_connections; },
          [](PyNetConfig& c, nb::handle v) {
            uint64_t n = positive(v, "max_connections");
            if (n > UINT32_MAX) throw InvalidArgumentError("eryx: max_connections is too large");
            c.core.max_connections = static_cast<uint32_t>(n);
          })
      .def_prop_rw(
          "connect_timeout_ms", [](const PyNetConfig& c) { return c.core.connect_timeout_ms; },
          [](PyNetConfig& c, nb::handle v) {
            c.core.connect_timeout_ms = positive(v, "connect_timeout_ms");
          })
      .def_prop_rw(
          "io_timeout_ms", [](const PyNetConfig& c) { return c.core.io_timeout_ms; },
          [](PyNetConfig& c, nb::handle v) { c.core.io_timeout_ms = positive(v, "io_timeout_ms"); })
      .def_prop_rw(
          "allow_all_hosts", [](const PyNetConfig& c) { return c.core.allow_all_hosts; },
          [](PyNetConfig& c, std::optional<bool> v) { c.core.allow_all_hosts = v; },
          nb::arg("value").none())
      .def_prop_ro("root_cert_count",
                   [](const PyNetConfig& c) { return c.core.root_certs.size(); });
  def_list<&NetConfig::allowed_hosts>(cls, "allowed_hosts");
  def_list<&NetConfig::blocked_hosts>(cls, "blocked_hosts");
  def_list<&NetConfig::blocked_networks>(cls, "blocked_networks");
  def_list<&NetConfig::allowed_networks>(cls, "allowed_networks");
  def_list<&NetConfig::internal_hosts>(cls, "internal_hosts");
  cls.def("__repr__", [](const PyNetConfig& c) {
    auto list = [](const std::vector<std::string>& v) {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) s += (i ? ", '" : "'") + v[i] + "'";
      return s + "]";
    };
    return "NetConfig(max_connections=" + std::to_string(c.core.max_connections) +
           ", connect_timeout_ms=" + std::to_string(c.core.connect_timeout_ms) +
           ", io_timeout_ms=" + std::to_string(c.core.io_timeout_ms) +
           ", allowed_hosts=" + list(c.core.allowed_hosts) +
           ", blocked_hosts=" + list(c.core.blocked_hosts) +
           ", allowed_networks=" + list(c.core.allowed_networks) + ")";
  });
}

}  // namespace eryx::python
