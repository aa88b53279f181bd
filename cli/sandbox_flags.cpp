#include "sandbox_flags.h"

#include <cstdlib>
#include <filesystem>
#include <utility>

#include "host_files.h"
#include "mcp_config.h"

namespace eryx::cli {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

// Parses -v SRC:DST[:ro|:rw] (read-only unless :rw). The mode is split off first, then DST at the
// last ':', so a host path may itself contain ':'.
Volume parse_volume(std::string spec) {
  const std::string original = spec;
  Volume volume;
  volume.read_only = true;
  if (spec.size() > 3 && (spec.ends_with(":ro") || spec.ends_with(":rw"))) {
    volume.read_only = spec.ends_with(":ro");
    spec.resize(spec.size() - 3);
  }
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    throw UsageError("-v " + original + ": expected SRC:DST[:ro|:rw]");
  }
  volume.host_path = spec.substr(0, colon);
  volume.guest_path = spec.substr(colon + 1);
  return volume;
}

// -e NAME=VALUE, or -e NAME for the host's $NAME.
void add_secret(SecretMap& secrets, const std::string& arg) {
  auto equals = arg.find('=');
  std::string name = arg.substr(0, equals);
  Secret secret;
  if (equals != std::string::npos) {
    secret.value = arg.substr(equals + 1);
  } else if (const char* value = std::getenv(name.c_str()); value != nullptr) {
    secret.value = value;
  } else {
    throw UsageError("-e " + name + ": the host environment has no variable " + name);
  }
  if (!secrets.emplace(name, std::move(secret)).second) {
    throw UsageError("-e " + name + " is given twice");
  }
}

// Replaces every `from` in `text` by `to`.
void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// Replaces "NetConfig.<field>[<n>]" by `flag`.
void replace_indexed(std::string& text, std::string_view field, std::string_view flag) {
  const std::string prefix = "NetConfig." + std::string(field) + "[";
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
    size_t close = text.find(']', at + prefix.size());
    if (close == std::string::npos) break;
    text.replace(at, close + 1 - at, flag);
  }
}

}  // namespace

std::string in_flag_terms(std::string message) {
  replace_indexed(message, "allowed_hosts", "--allow-host");
  replace_indexed(message, "root_certs", "--root-cert");
  replace_all(message, "max_memory_bytes", "--max-memory-mb");
  replace_all(message, "execution_timeout_ms", "--timeout-ms");
  replace_all(message, "max_fuel", "--max-fuel");
  return message;
}

void add_sandbox_flags(CLI::App& app, SandboxFlags& flags) {
  const ResourceLimits defaults;
  flags.timeout_ms = defaults.execution_timeout_ms.value_or(0);
  flags.max_memory_mb = defaults.max_memory_bytes.value_or(0) / kMiB;
  // Bounded so that no arithmetic on them overflows (a MiB count times 2^20 fits in 64 bits); an
  // empty value is not 0.
  // Validators without a description: --help shows the type name and the default only.
  auto quiet = [](CLI::Validator validator) { return validator.description(""); };
  const CLI::Validator non_empty(
      [](std::string& value) { return value.empty() ? std::string("a number is required") : ""; },
      "", "NonEmpty");
  app.add_option("--timeout-ms", flags.timeout_ms, "Execution timeout in milliseconds (0: none)")
      ->check(non_empty)
      ->check(quiet(CLI::Range(uint64_t{0}, ResourceLimits::kMaxTimeoutMs)))
      ->type_name("MS")
      ->capture_default_str();
  app.add_option("--max-memory-mb", flags.max_memory_mb, "Guest memory limit in MiB (0: none)")
      ->check(non_empty)
      ->check(quiet(CLI::Range(uint64_t{0}, ResourceLimits::kMaxMemoryBytes / kMiB)))
      ->type_name("MIB")
      ->capture_default_str();
  app.add_option("--max-fuel", flags.max_fuel,
                 "Deterministic instruction budget (Wasmtime fuel; runs on the slower metering "
                 "engine); 0: none")
      ->check(non_empty)
      ->check(quiet(CLI::Range(uint64_t{0}, uint64_t{1} << 62)))
      ->type_name("N")
      ->capture_default_str();
  app.add_flag("--net", flags.net,
               "Allow network access: public internet by default (private and loopback networks "
               "stay blocked); see --allow-host");
  app.add_option("--allow-host", flags.allow_hosts,
                 "Allow only hosts matching PATTERN (repeatable; implies --net), e.g. "
                 "'api.example.com' or '*.example.com'")
      ->type_name("PATTERN");
  app.add_flag("--allow-localhost", flags.allow_localhost,
               "Also allow localhost, 127.0.0.0/8 and ::1 (implies --net)");
  app.add_option("--root-cert", flags.root_cert_files,
                 "Trust this root certificate (PEM or DER file; repeatable; implies --net)")
      ->check(quiet(CLI::ExistingFile))
      ->type_name("FILE");
  app.add_option("-e,--secret", flags.secrets,
                 "A secret: os.environ[NAME] holds a placeholder that becomes VALUE (or the "
                 "host's $NAME) only in HTTP request headers sent to the --allow-host hosts; "
                 "output is scrubbed (repeatable)")
      ->type_name("NAME[=VALUE]");
  app.add_option("-v,--volume", flags.volumes,
                 "Show host path SRC (a directory or one file) to the code at DST; read-only "
                 "unless :rw (repeatable)")
      ->type_name("SRC:DST[:ro|:rw]");
  app.add_option("--package", flags.packages,
                 "A pure-Python package the code can import: a wheel (.whl), a .tar.gz/.tgz "
                 "site-packages archive or a directory (repeatable)")
      ->check(quiet(CLI::ExistingPath))
      ->type_name("PATH");
  app.add_option("--import", flags.imports,
                 "Import MOD once, before the code runs: sandboxes start from a factory with it "
                 "imported (repeatable)")
      ->type_name("MOD");
  app.add_option("--factory", flags.factory_file,
                 "Start from a factory saved by SandboxFactory.save (its imports and packages)")
      ->check(quiet(CLI::ExistingFile))
      ->type_name("FILE");
  app.add_option("--mcp-config", flags.mcp_configs,
                 "MCP servers whose tools the code can call, in the {\"mcpServers\": {...}} "
                 "format (repeatable)")
      ->type_name("PATH");  // a missing or bad file is reported by the loader, naming it
}

SandboxSetup make_setup(const SandboxFlags& flags, McpManager* mcp) {
  SandboxOptions options;
  if (flags.timeout_ms == 0)
    options.limits.execution_timeout_ms.reset();
  else
    options.limits.execution_timeout_ms = flags.timeout_ms;
  if (flags.max_memory_mb == 0)
    options.limits.max_memory_bytes.reset();
  else
    options.limits.max_memory_bytes = flags.max_memory_mb * kMiB;
  if (flags.max_fuel != 0) options.limits.max_fuel = flags.max_fuel;

  if (flags.net || !flags.allow_hosts.empty() || flags.allow_localhost ||
      !flags.root_cert_files.empty()) {
    NetConfig config;
    for (const auto& pattern : flags.allow_hosts) {
      try {
        config.allow_host(pattern);
      } catch (const std::exception& e) {
        throw UsageError("--allow-host " + pattern + ": " + e.what());
      }
    }
    if (flags.allow_localhost) config.allow_localhost();
    for (const auto& file : flags.root_cert_files) {
      std::string why;
      auto bytes = read_host_file(file, why);
      if (!bytes) throw UsageError("--root-cert " + file + ": cannot read it: " + why);
      config.with_root_cert(std::move(*bytes));
    }
    options.network = std::move(config);
  }
  for (const auto& arg : flags.secrets) add_secret(options.secrets, arg);
  for (const auto& spec : flags.volumes) options.volumes.push_back(parse_volume(spec));
  for (const auto& path : flags.packages) options.packages.emplace_back(path);
  std::vector<std::filesystem::path> mcp_configs(flags.mcp_configs.begin(),
                                                 flags.mcp_configs.end());
  if (!mcp_configs.empty()) {
    if (mcp == nullptr) throw UsageError("--mcp-config is not available in this mode");
    try {
      add_mcp_servers(mcp_configs, *mcp, options);
    } catch (const InvalidArgumentError& e) {
      throw UsageError(std::string("--mcp-config: ") + e.what());
    }
  }

  if (flags.factory_file && !flags.imports.empty()) {
    throw UsageError(
        "--import cannot be combined with --factory: build the factory with those imports "
        "(SandboxFactory(imports=[...]).save(FILE))");
  }
  // Everything a sandbox checks when it is made (host patterns, certificates, volumes, packages,
  // secrets) is checked now, once, so every mode fails at start-up with the flag's name.
  try {
    Sandbox probe(options);
  } catch (const InvalidArgumentError& e) {
    throw UsageError(in_flag_terms(e.what()));
  }
  std::optional<std::filesystem::path> factory_file;
  if (flags.factory_file) factory_file = *flags.factory_file;
  try {
    SandboxSetup setup(std::move(options), flags.imports, std::move(factory_file));
    setup.set_mcp_configs(std::move(mcp_configs));
    return setup;
  } catch (const InvalidArgumentError& e) {
    // A bad package, volume, host pattern or import name: the user's input.
    throw UsageError(in_flag_terms(e.what()));
  }
}

}  // namespace eryx::cli
