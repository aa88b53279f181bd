// The eryx command: runs Python code in a sandbox.
//   eryx -c CODE | eryx SCRIPT | eryx -   (stdin)
// Exit status: 0 success, 1 the code failed (traceback or error on stderr), 2 usage error.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

#include <unistd.h>

#include "eryx/eryx.hpp"
#include "mcp_config.h"
#include "repl.h"
#include "sandbox_setup.h"
#include "serve.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// The script's text, or why it cannot be read. (libstdc++ throws from inside the stream buffer on
// a read error such as EISDIR, whatever the stream's exception mask: catch it here.)
std::optional<std::string> read_source(const std::string& script, std::string& why) {
  try {
    if (script == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
    std::error_code ec;
    if (std::filesystem::is_directory(script, ec)) {
      why = "is a directory";
      return std::nullopt;
    }
    std::ifstream in(script, std::ios::binary);
    if (!in) {
      why = std::strerror(errno);
      return std::nullopt;
    }
    std::string text(std::istreambuf_iterator<char>(in), {});
    if (in.bad()) {
      why = "read error";
      return std::nullopt;
    }
    return text;
  } catch (const std::exception& e) {
    why = e.what();
    return std::nullopt;
  }
}

// Parses -v SRC:DST[:ro|:rw] (read-only unless :rw). The mode is split off first, then DST at the
// last ':', so a host path may itself contain ':'.
std::optional<eryx::Volume> parse_volume(std::string spec, std::string& why) {
  eryx::Volume volume;
  volume.read_only = true;
  if (spec.size() > 3 && (spec.ends_with(":ro") || spec.ends_with(":rw"))) {
    volume.read_only = spec.ends_with(":ro");
    spec.resize(spec.size() - 3);
  }
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    why = "expected SRC:DST[:ro|:rw]";
    return std::nullopt;
  }
  volume.host_path = spec.substr(0, colon);
  volume.guest_path = spec.substr(colon + 1);
  return volume;
}

void write_out(const std::string& text, std::FILE* stream) {
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"eryx: run untrusted Python in a WebAssembly sandbox"};
  std::optional<std::string> command;
  std::string script;
  uint64_t timeout_ms = 30'000;
  uint64_t max_memory_mb = 128;
  bool net = false;
  std::vector<std::string> allow_hosts;
  bool allow_localhost = false;
  std::vector<std::string> root_cert_files;
  std::vector<std::string> secret_args;
  std::vector<std::string> volume_specs;
  std::vector<std::filesystem::path> mcp_configs;
  app.add_option("-c", command, "Python code to run");
  app.add_option("script", script, "Python file to run, or - for standard input");
  // Bounded so that no arithmetic on them overflows (a MiB count times 2^20 fits in 64 bits); an
  // empty value is not 0.
  const CLI::Validator non_empty(
      [](std::string& value) { return value.empty() ? std::string("a number is required") : ""; },
      "", "NonEmpty");
  app.add_option("--timeout-ms", timeout_ms, "Execution timeout in milliseconds (0: none)")
      ->check(non_empty)
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 62))
      ->capture_default_str();
  app.add_option("--max-memory-mb", max_memory_mb, "Guest memory limit in MiB (0: none)")
      ->check(non_empty)
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 40))
      ->capture_default_str();
  app.add_flag("--net", net,
               "Allow network access: public internet by default (private and loopback networks "
               "stay blocked); see --allow-host");
  app.add_option("--allow-host", allow_hosts,
                 "Allow only hosts matching PATTERN (repeatable; implies --net), e.g. "
                 "'api.example.com' or '*.example.com'")
      ->type_name("PATTERN");
  app.add_flag("--allow-localhost", allow_localhost,
               "Also allow localhost, 127.0.0.0/8 and ::1 (implies --net)");
  app.add_option("--root-cert", root_cert_files,
                 "Trust this root certificate (PEM or DER file; repeatable; implies --net)")
      ->type_name("FILE");
  app.add_option("-e,--secret", secret_args,
                 "A secret: os.environ[NAME] holds a placeholder that becomes VALUE (or the "
                 "host's $NAME) only in HTTP request headers sent to the --allow-host hosts; "
                 "output is scrubbed (repeatable)")
      ->type_name("NAME[=VALUE]");
  app.add_option("-v,--volume", volume_specs,
                 "Show host path SRC (a directory or one file) to the code at DST; read-only "
                 "unless :rw (repeatable)")
      ->type_name("SRC:DST[:ro|:rw]");
  app.add_option("--mcp-config", mcp_configs,
                 "Start the MCP servers of this file ({\"mcpServers\": {NAME: {command, args, "
                 "env}}}) and expose their tools as callbacks mcp.NAME.TOOL (repeatable)")
      ->type_name("PATH");
  eryx::cli::ServeOptions serve_options;
  CLI::App* serve = eryx::cli::add_serve_command(app, serve_options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (serve->parsed() && (command || !script.empty())) {
    std::cerr << "eryx serve: runs the code its MCP clients send; it takes no -c CODE or script\n";
    return kExitUsage;
  }
  // No code on a terminal: the REPL. No code from a pipe: the pipe is the script, as python does.
  const bool repl = !serve->parsed() && !command && script.empty() && isatty(STDIN_FILENO);
  if (!serve->parsed() && !command && script.empty() && !repl) script = "-";
  if (!serve->parsed() && !repl && command.has_value() == !script.empty()) {
    std::cerr << "eryx: give exactly one of -c CODE, a script path, or - for stdin\n" << app.help();
    return kExitUsage;
  }

  std::string code;
  if (serve->parsed() || repl) {
    // the server's clients send the code; the REPL reads its own lines
  } else if (command) {
    code = *command;
  } else if (std::string why; auto source = read_source(script, why)) {
    code = std::move(*source);
  } else {
    std::cerr << "eryx: cannot read " << script << ": " << why << "\n";
    return kExitUsage;
  }

  eryx::SandboxOptions options;
  if (timeout_ms == 0)
    options.limits.execution_timeout_ms.reset();
  else
    options.limits.execution_timeout_ms = timeout_ms;
  if (max_memory_mb == 0)
    options.limits.max_memory_bytes.reset();
  else
    options.limits.max_memory_bytes = max_memory_mb * 1024 * 1024;
  if (net || !allow_hosts.empty() || allow_localhost || !root_cert_files.empty()) {
    eryx::NetConfig config;
    for (auto& pattern : allow_hosts) config.allow_host(pattern);
    if (allow_localhost) config.allow_localhost();
    for (const auto& file : root_cert_files) {
      std::string why;
      auto bytes = read_source(file, why);
      if (!bytes) {
        std::cerr << "eryx: cannot read " << file << ": " << why << "\n";
        return kExitUsage;
      }
      config.with_root_cert(std::move(*bytes));
    }
    options.network = std::move(config);
  }
  for (const auto& arg : secret_args) {
    auto equals = arg.find('=');
    std::string name = arg.substr(0, equals);
    eryx::Secret secret;
    if (equals != std::string::npos) {
      secret.value = arg.substr(equals + 1);
    } else if (const char* value = std::getenv(name.c_str()); value != nullptr) {
      secret.value = value;
    } else {
      std::cerr << "eryx: -e " << name << ": the host environment has no variable " << name << "\n";
      return kExitUsage;
    }
    if (!options.secrets.emplace(name, std::move(secret)).second) {
      std::cerr << "eryx: -e " << name << " is given twice\n";
      return kExitUsage;
    }
  }
  for (const auto& spec : volume_specs) {
    std::string why;
    auto volume = parse_volume(spec, why);
    if (!volume) {
      std::cerr << "eryx: bad volume '" << spec << "': " << why << "\n";
      return kExitUsage;
    }
    options.volumes.push_back(std::move(*volume));
  }
  // Declared before the sandbox: the servers outlive every call to them, and end with main.
  eryx::McpManager mcp;
  try {
    eryx::cli::add_mcp_servers(mcp_configs, mcp, options);
  } catch (const eryx::InvalidArgumentError& e) {
    std::cerr << "eryx: " << e.what() << "\n";
    return kExitUsage;
  } catch (const eryx::McpError& e) {
    std::cerr << "eryx: " << e.what() << "\n";
    return kExitFailure;
  }
  if (serve->parsed())
    return eryx::cli::run_serve(eryx::cli::SandboxSetup(std::move(options)), serve_options);
  if (repl) return eryx::cli::run_repl(eryx::cli::SandboxSetup(std::move(options)));
  // Stream output as the guest writes it, so long-running scripts show progress.
  options.on_stdout = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); };
  options.on_stderr = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stderr); };

  try {
    eryx::Sandbox sandbox(std::move(options));
    sandbox.execute(code);
    std::fflush(stdout);
    return 0;
  } catch (const eryx::ExecutionError& e) {
    std::fflush(stdout);
    write_out(e.traceback().empty() ? std::string(e.what()) + "\n" : e.traceback(), stderr);
    return kExitFailure;
  } catch (const eryx::InvalidArgumentError& e) {
    std::cerr << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << e.what() << "\n";
    return kExitFailure;
  }
}
