"""The guest sees nothing of the host, and errors of every kind surface as eryx exceptions."""

import os
import subprocess
import sys
import threading
import time

import pytest

import eryx


def run(code):
    return eryx.Sandbox().execute(code).stdout


def test_host_environment_is_not_visible():
    os.environ["ERYX_PYTEST_SECRET"] = "leak"
    assert run("import os; print(dict(os.environ))") == "{}\n"


def test_subprocess_fails_cleanly():
    code = "import subprocess\ntry:\n    subprocess.run(['ls'])\nexcept Exception as e:\n    print('blocked')"
    assert run(code) == "blocked\n"


def test_sockets_fail_cleanly():
    code = (
        "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 22), timeout=1)\n"
        "except Exception as e:\n    print('blocked')"
    )
    assert run(code) == "blocked\n"


def test_stdin_is_at_eof():
    assert run("try:\n    input()\nexcept EOFError:\n    print('EOF')") == "EOF\n"


def test_host_files_are_not_readable():
    code = "try:\n    open('/etc/passwd')\nexcept FileNotFoundError:\n    print('absent')"
    assert run(code) == "absent\n"


def test_deep_recursion_raises_recursion_error():
    with pytest.raises(eryx.ExecutionError) as info:
        eryx.Sandbox().execute("def f(n):\n    return f(n + 1)\nf(0)")
    assert info.value.type_name == "RecursionError"


def test_four_concurrent_timeouts_each_end_between_one_and_two_seconds():
    sandbox = eryx.Sandbox(resource_limits=eryx.ResourceLimits(execution_timeout_ms=1000))
    elapsed = [None] * 4

    def run_one(i):
        start = time.monotonic()
        try:
            sandbox.execute("while True: pass")
        except eryx.TimeoutError:
            elapsed[i] = time.monotonic() - start

    threads = [threading.Thread(target=run_one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(e is not None and 1.0 <= e < 2.0 for e in elapsed), elapsed


def test_missing_guest_raises_initialization_error(tmp_path):
    code = (
        "import eryx\n"
        "try:\n    eryx.Sandbox()\n"
        "except eryx.InitializationError as e:\n    print('InitializationError', isinstance(e, eryx.EryxError))\n"
    )
    env = dict(os.environ, ERYX_GUEST_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout == "InitializationError True\n", out.stderr
