"""The eryx command (build/eryx) against hostile scripts, arguments, signals and pipes."""

import pytest

from adv_harness import child


@child()
def test_negative_timeout_is_a_usage_error():
    proc = cli("--timeout-ms", "-1", "-c", "print(1)")
    assert proc.returncode == 2, (proc.returncode, proc.stderr)


@child()
def test_negative_memory_limit_is_a_usage_error():
    proc = cli("--max-memory-mb", "-5", "-c", "print(1)")
    assert proc.returncode == 2, (proc.returncode, proc.stderr)


@child()
def test_timeout_past_64_bits_is_a_usage_error():
    proc = cli("--timeout-ms", "99999999999999999999999", "-c", "print(1)")
    assert proc.returncode == 2, (proc.returncode, proc.stderr)


@child()
def test_memory_limit_overflowing_in_bytes_is_a_usage_error():
    proc = cli("--max-memory-mb", str(2 ** 60), "-c", "print(1)")
    assert proc.returncode == 2, (proc.returncode, proc.stderr)


@child()
def test_non_numeric_limits_are_usage_errors():
    for args in (("--timeout-ms", "abc"), ("--max-memory-mb", "1.5"), ("--timeout-ms", "1e3")):
        proc = cli(*args, "-c", "print(1)")
        assert proc.returncode == 2, (args, proc.returncode, proc.stderr)


@child()
def test_empty_limit_values_are_usage_errors():
    for args in (("--timeout-ms", ""), ("--max-memory-mb", "")):
        proc = cli(*args, "-c", "print(1)")
        assert proc.returncode == 2, (args, proc.returncode, proc.stderr)


@child()
def test_directory_as_script_is_a_usage_error():
    proc = cli(tempfile.mkdtemp())
    assert proc.returncode == 2, (proc.returncode, proc.stderr)


@child()
def test_busy_loop_is_cut_by_the_timeout_with_exit_1():
    start = time.monotonic()
    proc = cli("--timeout-ms", "300", "-c", "while True: pass")
    assert proc.returncode == 1 and time.monotonic() - start < 10, (proc.returncode, proc.stderr)
    assert b"time" in proc.stderr.lower(), proc.stderr


@child()
def test_memory_bomb_is_cut_by_the_memory_limit_with_exit_1():
    proc = cli("--max-memory-mb", "32", "-c", "b = bytearray(1 << 30)")
    assert proc.returncode == 1, (proc.returncode, proc.stderr)


@child()
def test_memory_limit_below_the_interpreter_is_exit_1_not_a_crash():
    proc = cli("--max-memory-mb", "1", "-c", "print(1)")
    assert proc.returncode == 1, (proc.returncode, proc.stderr)


@child()
def test_script_with_a_nul_byte_is_a_usage_error():
    path = pathlib.Path(tempfile.mkdtemp()) / "nul.py"
    path.write_bytes(b"print(1)\x00\n")
    proc = cli(str(path))
    assert proc.returncode == 2, (proc.returncode, proc.stderr)


@child()
def test_script_with_invalid_utf8_is_refused_cleanly():
    path = pathlib.Path(tempfile.mkdtemp()) / "bad.py"
    path.write_bytes(b"print('\xff\xfe')\n")
    proc = cli(str(path))
    assert proc.returncode in (1, 2), (proc.returncode, proc.stderr)


@child()
def test_streamed_output_is_complete_beyond_the_capture_cap():
    proc = cli("-c", "import sys\nfor _ in range(5):\n    sys.stdout.write('x' * (1 << 20))")
    assert proc.returncode == 0 and len(proc.stdout) == 5 << 20, (proc.returncode, len(proc.stdout))


@child()
def test_closed_stdout_does_not_crash_the_cli():
    proc = subprocess.run(f"exec {CLI} -c 'print(1)' >&-", shell=True, capture_output=True, timeout=30)
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr)


@child()
def test_reader_that_goes_away_ends_the_cli():
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    writer = subprocess.Popen([CLI, "--timeout-ms", "20000", "-c", "while True:\n    print('y' * 1000)"],
                              stdout=reader.stdin, stderr=subprocess.DEVNULL)
    reader.stdin.close()
    try:
        rc = writer.wait(timeout=15)
    except subprocess.TimeoutExpired:
        writer.kill()
        raise AssertionError("the CLI kept running after its reader went away")
    reader.wait()
    assert rc in (1, -signal.SIGPIPE), rc


@child()
def test_sigterm_ends_a_running_cli_promptly():
    proc = subprocess.Popen([CLI, "--timeout-ms", "0", "-c", "while True: pass"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=5) == -signal.SIGTERM


@child()
def test_sigint_ends_a_running_cli_promptly():
    proc = subprocess.Popen([CLI, "--timeout-ms", "0", "-c", "while True: pass"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=5)
    assert rc in (-signal.SIGINT, 130, 1), rc


@child()
def test_guest_sys_exit_codes_are_the_exit_status_as_in_python():
    proc = cli("-c", "import sys\nsys.exit(3)")
    assert proc.returncode == 3, proc.returncode
    proc = cli("-c", "import sys\nprint('ok')\nsys.exit(0)")
    assert (proc.returncode, proc.stdout) == (0, b"ok\n"), proc


@child()
def test_guest_os_exit_and_abort_do_not_crash_the_cli():
    proc = cli("-c", "import os\nos._exit(7)")
    assert proc.returncode == 7, (proc.returncode, proc.stderr)
    proc = cli("-c", "import os\nos.abort()")
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr)


@child()
def test_guest_stdin_is_empty_even_when_the_cli_reads_code_from_a_file():
    path = pathlib.Path(tempfile.mkdtemp()) / "s.py"
    path.write_text("import sys\nprint(repr(sys.stdin.read()))\n")
    proc = cli(str(path), input=b"host secret data\n")
    assert (proc.returncode, proc.stdout) == (0, b"''\n"), proc


@child(env={"ERYX_ADV_CLI_SECRET": "swordfish"})
def test_cli_does_not_pass_the_environment_to_the_guest():
    proc = cli("-c", "import os\nprint(dict(os.environ))")
    assert (proc.returncode, proc.stdout) == (0, b"{}\n"), proc


@child()
def test_empty_program_and_empty_stdin_succeed():
    assert cli("-c", "").returncode == 0
    proc = cli("-", input=b"")
    assert proc.returncode == 0 and proc.stdout == b""
    assert cli("/dev/null").returncode == 0


@child()
def test_large_script_file_runs():
    path = pathlib.Path(tempfile.mkdtemp()) / "big.py"
    path.write_text("x = 0\n" + "x += 1\n" * 50000 + "print(x)\n")
    proc = cli(str(path))
    assert (proc.returncode, proc.stdout) == (0, b"50000\n"), proc.stderr[-2000:]


@child()
def test_unknown_and_duplicate_options_are_usage_errors():
    for args in (("--bogus", "-c", "1"), ("-c", "1", "-c", "2"), ("-c",), ("--timeout-ms",)):
        proc = cli(*args)
        assert proc.returncode == 2, (args, proc.returncode)


@child()
def test_help_exits_zero_and_documents_the_options():
    proc = cli("--help")
    assert proc.returncode == 0 and b"--timeout-ms" in proc.stdout and b"--max-memory-mb" in proc.stdout


@child()
def test_unreadable_script_is_a_usage_error():
    path = pathlib.Path(tempfile.mkdtemp()) / "secret.py"
    path.write_text("print(1)\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: use a path that cannot be opened instead
        path = pathlib.Path("/proc/self/no-such-entry")
    proc = cli(str(path))
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
