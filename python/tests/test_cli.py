"""The eryx command line: build/eryx and `python -m eryx` (the same C++ code), flag by flag.

Every test runs against both entry points (the `eryx` fixture); docs/guide/cli.md is the spec."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import zipfile

import pytest

import eryx

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD_CLI = os.environ.get("ERYX_CLI", str(REPO / "build" / "eryx"))


class Cli:
    def __init__(self, command):
        self.command = command

    def __call__(self, *args, input=b"", timeout=60, env=None):
        """Runs the command; stdin is a pipe (empty unless `input`), never the test's terminal."""
        return subprocess.run([*self.command, *args], input=input, capture_output=True,
                              timeout=timeout, env=env)

    def popen(self, *args, **kwargs):
        return subprocess.Popen([*self.command, *args], stdin=subprocess.DEVNULL, **kwargs)

    def json(self, *args, **kwargs):
        proc = self("--json", *args, **kwargs)
        return proc.returncode, json.loads(proc.stdout)


@pytest.fixture(params=["build/eryx", "python -m eryx"])
def eryx_cli(request):
    if request.param == "build/eryx":
        if not os.path.exists(BUILD_CLI):
            pytest.fail(f"the eryx CLI is not built at {BUILD_CLI} (make build)")
        return Cli([BUILD_CLI])
    return Cli([sys.executable, "-m", "eryx"])


def text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


# ---- running code ------------------------------------------------------------------------------

def test_dash_c_runs_the_code(eryx_cli):
    proc = eryx_cli("-c", "print(6 * 7)")
    assert (proc.returncode, proc.stdout) == (0, b"42\n"), proc.stderr


def test_a_script_file_runs(eryx_cli, tmp_path):
    script = tmp_path / "hello.py"
    script.write_text("print('hello from a file')\n")
    proc = eryx_cli(str(script))
    assert (proc.returncode, proc.stdout) == (0, b"hello from a file\n"), proc.stderr


def test_dash_reads_the_script_from_stdin(eryx_cli):
    proc = eryx_cli("-", input=b"print(sum(range(10)))\n")
    assert (proc.returncode, proc.stdout) == (0, b"45\n"), proc.stderr


def test_no_code_and_a_piped_stdin_runs_stdin_as_python_does(eryx_cli):
    proc = eryx_cli(input=b"print('piped')\n")
    assert (proc.returncode, proc.stdout) == (0, b"piped\n"), proc.stderr


def test_a_utf8_bom_at_the_start_of_a_script_is_accepted(eryx_cli, tmp_path):
    script = tmp_path / "bom.py"
    script.write_bytes(b"\xef\xbb\xbfprint('no BOM error')\n")
    proc = eryx_cli(str(script))
    assert (proc.returncode, proc.stdout) == (0, b"no BOM error\n"), proc.stderr


# ---- sys.argv and tracebacks -------------------------------------------------------------------

def test_a_script_gets_its_name_and_arguments_in_sys_argv(eryx_cli, tmp_path):
    script = tmp_path / "args.py"
    script.write_text("import sys\nprint(sys.argv)\n")
    proc = eryx_cli(str(script), "a", "b c", "--not-a-flag")
    assert proc.returncode == 0, proc.stderr
    assert text(proc.stdout) == repr([str(script), "a", "b c", "--not-a-flag"]) + "\n"


def test_dash_c_gives_sys_argv_starting_with_dash_c(eryx_cli):
    proc = eryx_cli("-c", "import sys\nprint(sys.argv)", "x", "y")
    assert (proc.returncode, text(proc.stdout)) == (0, "['-c', 'x', 'y']\n"), proc.stderr


def test_double_dash_ends_the_options(eryx_cli, tmp_path):
    script = tmp_path / "args.py"
    script.write_text("import sys\nprint(sys.argv)\n")
    proc = eryx_cli("--", str(script), "-x")
    assert (proc.returncode, text(proc.stdout)) == (0, repr([str(script), "-x"]) + "\n"), proc.stderr
    proc = eryx_cli("-c", "import sys\nprint(sys.argv)", "--", "-x")
    assert (proc.returncode, text(proc.stdout)) == (0, "['-c', '--', '-x']\n"), proc.stderr


def test_stdin_gives_sys_argv_dash(eryx_cli):
    proc = eryx_cli("-", input=b"import sys\nprint(sys.argv)\n")
    assert (proc.returncode, text(proc.stdout)) == (0, "['-']\n"), proc.stderr


def test_non_ascii_arguments_reach_sys_argv(eryx_cli):
    proc = eryx_cli("-c", "import sys\nprint(sys.argv[1])", "h\u00e9llo \u2603 \"'\\")
    assert (proc.returncode, text(proc.stdout)) == (0, "h\u00e9llo \u2603 \"'\\\n"), proc.stderr


def test_a_script_traceback_names_the_script_and_shows_its_line(eryx_cli, tmp_path):
    script = tmp_path / "broken.py"
    script.write_text("x = 1\nraise ValueError('boom')\n")
    proc = eryx_cli(str(script))
    assert proc.returncode == 1
    err = text(proc.stderr)
    assert f'File "{script}", line 2, in <module>' in err, err
    assert "raise ValueError('boom')" in err and "ValueError: boom" in err
    assert "<exec>" not in err


def test_dash_c_traceback_names_string_as_python_does(eryx_cli):
    proc = eryx_cli("-c", "1/0")
    assert proc.returncode == 1
    assert 'File "<string>", line 1' in text(proc.stderr), proc.stderr


# ---- exit statuses -----------------------------------------------------------------------------

def test_an_uncaught_exception_exits_1_with_the_traceback(eryx_cli):
    proc = eryx_cli("-c", "print('before')\nraise KeyError('k')")
    assert (proc.returncode, proc.stdout) == (1, b"before\n")
    assert "Traceback (most recent call last)" in text(proc.stderr)
    assert "KeyError: 'k'" in text(proc.stderr)


def test_sys_exit_n_exits_with_n_and_no_traceback(eryx_cli):
    proc = eryx_cli("-c", "import sys\nprint('out')\nsys.exit(3)")
    assert (proc.returncode, proc.stdout, proc.stderr) == (3, b"out\n", b"")


def test_sys_exit_zero_and_none_exit_0(eryx_cli):
    for code in ("import sys\nsys.exit(0)", "import sys\nsys.exit()", "raise SystemExit"):
        proc = eryx_cli("-c", code)
        assert (proc.returncode, proc.stderr) == (0, b""), code


def test_sys_exit_with_a_message_prints_it_and_exits_1(eryx_cli):
    proc = eryx_cli("-c", "import sys\nsys.exit('giving up')")
    assert (proc.returncode, proc.stderr) == (1, b"giving up\n")


def test_sys_exit_status_is_taken_modulo_256_as_the_os_does(eryx_cli):
    assert eryx_cli("-c", "import sys\nsys.exit(258)").returncode == 2
    assert eryx_cli("-c", "import sys\nsys.exit(-1)").returncode == 255


def test_os_exit_n_exits_with_n(eryx_cli):
    assert eryx_cli("-c", "import os\nos._exit(7)").returncode == 7


def test_a_timeout_exits_1_and_says_so(eryx_cli):
    proc = eryx_cli("--timeout-ms", "300", "-c", "while True: pass")
    assert proc.returncode == 1
    assert "timed out" in text(proc.stderr), proc.stderr


def test_usage_errors_exit_2(eryx_cli):
    assert eryx_cli("--no-such-flag", "-c", "pass").returncode == 2
    assert eryx_cli("-c").returncode == 2


def test_a_missing_script_is_a_usage_error(eryx_cli, tmp_path):
    proc = eryx_cli(str(tmp_path / "nope.py"))
    assert proc.returncode == 2 and "nope.py" in text(proc.stderr), proc.stderr


def test_ctrl_c_raises_keyboard_interrupt_in_the_guest_and_exits_130(eryx_cli):
    proc = eryx_cli.popen("--timeout-ms", "0", "-c",
                          "import time\nprint('ready', flush=True)\nwhile True: time.sleep(0.01)",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"ready\n"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "KeyboardInterrupt" in text(err) and "Traceback" in text(err), err


def test_code_that_catches_ctrl_c_keeps_running(eryx_cli):
    code = ("import time\ntry:\n    print('ready', flush=True)\n    while True: time.sleep(0.01)\n"
            "except KeyboardInterrupt:\n    print('caught')\n")
    proc = eryx_cli.popen("--timeout-ms", "0", "-c", code, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"ready\n"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert (proc.returncode, out) == (0, b"caught\n"), err


# ---- limits ------------------------------------------------------------------------------------

def test_max_memory_mb_limits_the_guest_memory(eryx_cli):
    code = "try:\n    x = bytearray(200 << 20)\nexcept MemoryError:\n    print('refused')"
    assert eryx_cli("--max-memory-mb", "64", "-c", code).stdout == b"refused\n"
    assert eryx_cli("--max-memory-mb", "512", "-c", code).stdout == b""


def test_max_fuel_stops_a_busy_loop(eryx_cli):
    proc = eryx_cli("--max-fuel", "1000000", "--timeout-ms", "0", "-c", "while True: pass")
    assert proc.returncode == 1 and "fuel" in text(proc.stderr), proc.stderr


def test_bad_values_name_the_flag(eryx_cli):
    for flag, value in (("--timeout-ms", "-1"), ("--max-memory-mb", "lots"), ("--max-fuel", "1.5"),
                        ("--timeout-ms", "")):
        proc = eryx_cli(flag, value, "-c", "pass")
        assert proc.returncode == 2 and flag in text(proc.stderr), (flag, value, proc.stderr)


def test_messages_name_the_flag_not_the_api_field(eryx_cli):
    proc = eryx_cli("--max-memory-mb", str(1 << 41), "-c", "pass")
    assert proc.returncode == 2
    assert "--max-memory-mb" in text(proc.stderr) and "max_memory_bytes" not in text(proc.stderr)


def test_a_memory_limit_below_the_interpreter_names_the_flag(eryx_cli):
    proc = eryx_cli("--max-memory-mb", "10", "-c", "pass")
    assert proc.returncode == 1
    assert "--max-memory-mb" in text(proc.stderr) and "max_memory_bytes" not in text(proc.stderr)


# ---- network -----------------------------------------------------------------------------------

CONNECT = """
import socket
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=5).close()
    print('connected')
except PermissionError:
    print('denied')
except OSError as e:
    print('disabled' if 'disabled' in str(e) else repr(e))
"""


def test_without_net_the_network_is_disabled(eryx_cli, http_server):
    assert eryx_cli("-c", CONNECT.format(port=http_server.port)).stdout == b"disabled\n"


def test_net_alone_keeps_loopback_blocked(eryx_cli, http_server):
    assert eryx_cli("--net", "-c", CONNECT.format(port=http_server.port)).stdout == b"denied\n"


def test_allow_localhost_reaches_a_loopback_server(eryx_cli, http_server):
    proc = eryx_cli("--allow-localhost", "-c", CONNECT.format(port=http_server.port))
    assert proc.stdout == b"connected\n", proc.stderr


def test_allow_host_restricts_to_matching_hosts(eryx_cli, http_server):
    proc = eryx_cli("--allow-host", "api.example.com", "-c", CONNECT.format(port=http_server.port))
    assert proc.stdout == b"denied\n", proc.stderr


def test_allow_host_is_repeatable(eryx_cli, http_server):
    code = "import socket\nsocket.create_connection(('localhost', %d), timeout=5).close()\nprint('ok')"
    proc = eryx_cli("--allow-host", "api.example.com", "--allow-host", "localhost",
                    "--allow-localhost", "-c", code % http_server.port)
    assert proc.stdout == b"ok\n", proc.stderr


def test_root_cert_lets_the_code_trust_a_test_ca(eryx_cli, pki, https_server, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pki.ca_pem)
    code = ("import urllib.request\n"
            f"print(urllib.request.urlopen('https://localhost:{https_server.port}/json').status)")
    proc = eryx_cli("--allow-localhost", "--root-cert", str(ca), "-c", code)
    assert (proc.returncode, proc.stdout) == (0, b"200\n"), proc.stderr
    proc = eryx_cli("--allow-localhost", "-c", code)
    assert proc.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in text(proc.stderr)


def test_a_bad_host_pattern_is_a_usage_error_naming_the_flag(eryx_cli):
    proc = eryx_cli("--allow-host", "bad pattern!", "-c", "pass")
    assert proc.returncode == 2 and "--allow-host" in text(proc.stderr), proc.stderr
    assert "NetConfig" not in text(proc.stderr)


def test_a_root_cert_that_is_not_a_certificate_is_a_usage_error(eryx_cli, tmp_path):
    path = tmp_path / "not.pem"
    path.write_text("hello")
    proc = eryx_cli("--root-cert", str(path), "-c", "pass")
    assert proc.returncode == 2 and "--root-cert" in text(proc.stderr), proc.stderr


def test_a_missing_root_cert_is_a_usage_error_naming_the_flag(eryx_cli, tmp_path):
    proc = eryx_cli("--root-cert", str(tmp_path / "none.pem"), "-c", "pass")
    assert proc.returncode == 2 and "--root-cert" in text(proc.stderr), proc.stderr


# ---- volumes, secrets --------------------------------------------------------------------------

def test_volume_is_read_only_unless_rw(eryx_cli, tmp_path):
    (tmp_path / "in.txt").write_text("from the host")
    assert eryx_cli("-v", f"{tmp_path}:/data", "-c",
                    "print(open('/data/in.txt').read())").stdout == b"from the host\n"
    proc = eryx_cli("-v", f"{tmp_path}:/data", "-c", "open('/data/x', 'w')")
    assert proc.returncode == 1 and "Read-only file system" in text(proc.stderr)
    assert eryx_cli("-v", f"{tmp_path}:/data:rw", "-c",
                    "open('/data/out.txt', 'w').write('back')").returncode == 0
    assert (tmp_path / "out.txt").read_text() == "back"


def test_a_malformed_volume_is_a_usage_error(eryx_cli):
    proc = eryx_cli("-v", "nocolon", "-c", "pass")
    assert proc.returncode == 2 and "-v nocolon" in text(proc.stderr), proc.stderr


def test_secret_is_a_placeholder_in_the_guest_environment(eryx_cli):
    proc = eryx_cli("-e", "API_KEY=s3cret-value", "-c",
                    "import os\nk = os.environ['API_KEY']\nprint(k != 's3cret-value' and len(k) > 0)")
    assert (proc.returncode, proc.stdout) == (0, b"True\n"), proc.stderr


def test_secret_without_value_comes_from_the_host_environment(eryx_cli):
    env = dict(os.environ, ERYX_TEST_TOKEN="tok")
    proc = eryx_cli("-e", "ERYX_TEST_TOKEN", "-c", "import os\nprint('ERYX_TEST_TOKEN' in os.environ)",
                    env=env)
    assert (proc.returncode, proc.stdout) == (0, b"True\n"), proc.stderr
    env.pop("ERYX_TEST_TOKEN")
    proc = eryx_cli("-e", "ERYX_TEST_TOKEN", "-c", "pass", env=env)
    assert proc.returncode == 2 and "ERYX_TEST_TOKEN" in text(proc.stderr)


# ---- packages, imports, factories --------------------------------------------------------------

def make_wheel(directory: pathlib.Path, name="greeter") -> pathlib.Path:
    wheel = directory / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(f"{name}/__init__.py", "def greet(who):\n    return f'Hello {who}'\n")
        z.writestr(f"{name}-1.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    return wheel


def test_package_makes_a_wheel_importable(eryx_cli, tmp_path):
    wheel = make_wheel(tmp_path)
    proc = eryx_cli("--package", str(wheel), "-c", "import greeter\nprint(greeter.greet('cli'))")
    assert (proc.returncode, proc.stdout) == (0, b"Hello cli\n"), proc.stderr


def test_package_is_repeatable(eryx_cli, tmp_path):
    first, second = make_wheel(tmp_path, "alpha"), make_wheel(tmp_path, "beta")
    proc = eryx_cli("--package", str(first), "--package", str(second), "-c", "import alpha, beta")
    assert proc.returncode == 0, proc.stderr


def test_a_missing_package_is_a_usage_error_naming_the_flag(eryx_cli, tmp_path):
    proc = eryx_cli("--package", str(tmp_path / "none.whl"), "-c", "pass")
    assert proc.returncode == 2 and "--package" in text(proc.stderr), proc.stderr


def test_import_preloads_the_module_before_the_code_runs(eryx_cli):
    proc = eryx_cli("--import", "colorsys", "-c", "import sys\nprint('colorsys' in sys.modules)")
    assert (proc.returncode, proc.stdout) == (0, b"True\n"), proc.stderr
    proc = eryx_cli("-c", "import sys\nprint('colorsys' in sys.modules)")
    assert proc.stdout == b"False\n"


def test_import_can_use_a_package(eryx_cli, tmp_path):
    wheel = make_wheel(tmp_path)
    proc = eryx_cli("--package", str(wheel), "--import", "greeter", "-c",
                    "import sys\nprint(sys.modules['greeter'].greet('factory'))")
    assert (proc.returncode, proc.stdout) == (0, b"Hello factory\n"), proc.stderr


def test_an_import_that_fails_exits_1_naming_the_flag(eryx_cli):
    proc = eryx_cli("--import", "no_such_module_here", "-c", "pass")
    assert proc.returncode == 1 and "--import" in text(proc.stderr), proc.stderr


def test_factory_loads_a_saved_factory(eryx_cli, tmp_path):
    path = tmp_path / "f.eryx"
    eryx.SandboxFactory(imports=["graphlib"]).save(str(path))
    proc = eryx_cli("--factory", str(path), "-c", "import sys\nprint('graphlib' in sys.modules)")
    assert (proc.returncode, proc.stdout) == (0, b"True\n"), proc.stderr


def test_a_corrupt_factory_file_is_refused_naming_the_flag(eryx_cli, tmp_path):
    path = tmp_path / "bad.eryx"
    path.write_bytes(b"not a factory")
    proc = eryx_cli("--factory", str(path), "-c", "pass")
    assert proc.returncode in (1, 2) and "--factory" in text(proc.stderr), proc.stderr


def test_an_mcp_config_without_servers_runs_the_code(eryx_cli, tmp_path):
    # The servers and their tools: test_mcp_callbacks.py.
    config = tmp_path / "mcp.json"
    config.write_text('{"mcpServers": {}}')
    proc = eryx_cli("--mcp-config", str(config), "-c", "print('ran')")
    assert (proc.returncode, proc.stdout) == (0, b"ran\n"), proc.stderr


# ---- --json ------------------------------------------------------------------------------------

def test_json_reports_output_result_and_statistics(eryx_cli):
    rc, report = eryx_cli.json("-c", "import sys\nprint('out')\nsys.stderr.write('err')\nresult = {'a': [1, 2]}")
    assert rc == 0
    assert list(report) == ["stdout", "stderr", "result", "duration_ms", "peak_memory_bytes",
                            "error", "exit_code"]
    assert (report["stdout"], report["stderr"], report["result"]) == ("out\n", "err", {"a": [1, 2]})
    assert report["duration_ms"] > 0 and report["peak_memory_bytes"] > 0
    assert (report["error"], report["exit_code"]) == (None, 0)


def test_json_reports_an_exception(eryx_cli):
    rc, report = eryx_cli.json("-c", "print('partial')\nraise ValueError('bad')")
    assert rc == 1 and report["exit_code"] == 1
    assert report["stdout"] == "partial\n"
    error = report["error"]
    assert (error["kind"], error["type"], error["message"]) == ("exception", "ValueError", "bad")
    assert "Traceback" in error["traceback"]


def test_json_reports_a_timeout(eryx_cli):
    rc, report = eryx_cli.json("--timeout-ms", "200", "-c", "while True: pass")
    assert rc == 1 and report["error"]["kind"] == "timeout"


def test_json_reports_sys_exit(eryx_cli):
    rc, report = eryx_cli.json("-c", "import sys\nsys.exit(4)")
    assert (rc, report["exit_code"], report["error"]["kind"]) == (4, 4, "exit")


def test_json_prints_nothing_else_on_stdout(eryx_cli):
    proc = eryx_cli("--json", "-c", "print('x' * 10)")
    assert proc.stdout.count(b"\n") == 1 and proc.stderr == b""


# ---- --help, --version -------------------------------------------------------------------------

def test_help_lists_every_flag_with_its_defaults(eryx_cli):
    proc = eryx_cli("--help")
    assert proc.returncode == 0
    out = text(proc.stdout)
    for flag in ("--timeout-ms", "--max-memory-mb", "--max-fuel", "--net", "--allow-host",
                 "--allow-localhost", "--root-cert", "-v", "-e", "--package", "--import", "--factory",
                 "--mcp-config", "--json", "--version", "-c"):
        assert flag in out, flag
    assert "--timeout-ms MS=30000" in out and "--max-memory-mb MIB=128" in out  # the defaults


def test_version_shows_eryx_and_the_guest_python(eryx_cli):
    proc = eryx_cli("--version")
    assert proc.returncode == 0
    out = text(proc.stdout)
    assert out.startswith("eryx 0.1.0 (guest Python 3.") and out.endswith(")\n"), out


# ---- the two entry points agree ----------------------------------------------------------------

def test_python_m_eryx_behaves_as_build_eryx():
    code = "import sys\nprint(sys.argv)\nsys.exit(5)"
    a = Cli([BUILD_CLI])("-c", code, "z")
    b = Cli([sys.executable, "-m", "eryx"])("-c", code, "z")
    assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr) == (5, b"['-c', 'z']\n", b"")


def test_the_package_installs_an_eryx_console_script():
    script = pathlib.Path(sys.executable).parent / "eryx"
    assert script.is_file(), "pyproject.toml's [project.scripts] entry was not installed"
    proc = subprocess.run([str(script), "-c", "import sys\nprint(sys.platform)\nsys.exit(4)"],
                          capture_output=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (4, b"wasi\n"), proc.stderr
