"""Holes the hardening review found: each test shows the host survives and stays usable."""

import asyncio
import gc
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import eryx


def run_child(code, timeout=60):
    """Runs `code` in a fresh Python process (so a crash or hang of the host fails one test)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# ---- Ctrl-C and cancellation ------------------------------------------------------------------


def test_sigint_during_execute_raises_keyboard_interrupt_and_keeps_the_session():
    child = run_child(
        """
        import os, signal, threading, time, eryx
        session = eryx.Session(resource_limits=eryx.ResourceLimits(execution_timeout_ms=None))
        session.execute("x = 41")
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        start = time.monotonic()
        try:
            session.execute("while True: pass")
            print("no interrupt")
        except KeyboardInterrupt:
            print("interrupted after", round(time.monotonic() - start, 1))
        print(session.execute("print(x + 1)").stdout.strip())
        """
    )
    assert child.returncode == 0, child.stderr
    lines = child.stdout.split()
    assert lines[0] == "interrupted"
    assert float(lines[2]) < 2.0
    assert lines[3] == "42"


def test_sigint_with_python_handler_replaced_by_the_app_still_reaches_the_guest():
    child = run_child(
        """
        import os, signal, threading, eryx
        hits = []
        signal.signal(signal.SIGINT, lambda *a: hits.append(1))
        sandbox = eryx.Sandbox(resource_limits=eryx.ResourceLimits(execution_timeout_ms=None))
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        try:
            sandbox.execute("while True: pass")
        except eryx.ExecutionError as e:
            print(e.type_name, len(hits))
        """
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["KeyboardInterrupt", "1"]


def test_cancelling_one_execute_async_task_leaves_the_others_running():
    async def main():
        sandbox = eryx.Sandbox()
        slow = asyncio.ensure_future(sandbox.execute_async("while True: pass"))
        other = asyncio.ensure_future(
            sandbox.execute_async("import time\ntime.sleep(0.5)\nprint('other done')")
        )
        await asyncio.sleep(0.2)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        return (await other).stdout

    assert asyncio.run(main()) == "other done\n"


def test_wait_for_timeout_on_a_session_keeps_its_variables():
    async def main():
        session = eryx.Session()
        await session.execute_async("x = 41")
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(session.execute_async("while True: pass"), 0.3)
        return (await session.execute_async("print(x + 1)")).stdout

    assert asyncio.run(main()) == "42\n"


def test_session_interrupt_raises_keyboard_interrupt_in_the_guest():
    import threading

    session = eryx.Session()
    session.execute("x = 1")
    threading.Timer(0.2, session.interrupt).start()
    with pytest.raises(eryx.ExecutionError) as error:
        session.execute("while True: pass")
    assert error.value.type_name == "KeyboardInterrupt"
    assert session.execute("print(x)").stdout == "1\n"


def test_restore_state_of_a_looping_pickle_ends_at_the_session_timeout():
    maker = eryx.Session()
    setup = "def forever():\n    while True: pass\nclass Trap:\n    def __reduce__(self): return (forever, ())\n"
    maker.execute(setup + "value = Trap()")
    blob = maker.snapshot_state()
    session = eryx.Session(resource_limits=eryx.ResourceLimits(execution_timeout_ms=300))
    session.execute(setup)
    with pytest.raises(eryx.TimeoutError):
        session.restore_state(blob)
    assert session.execute("print('usable')").stdout == "usable\n"


def test_factory_whose_import_loops_ends_at_its_build_timeout(tmp_path):
    (tmp_path / "looping.py").write_text("while True:\n    pass\n")
    start = time.monotonic()
    with pytest.raises(eryx.TimeoutError):
        eryx.SandboxFactory(site_packages=tmp_path, imports=["looping"], build_timeout_ms=300)
    assert time.monotonic() - start < 5


# ---- lifecycle ----------------------------------------------------------------------------------


def test_fork_child_still_times_out_and_runs_callbacks():
    child = run_child(
        """
        import os, eryx
        registry = eryx.CallbackRegistry()
        @registry.callback()
        def one() -> int:
            return 1
        sandbox = eryx.Sandbox(callbacks=registry,
                               resource_limits=eryx.ResourceLimits(execution_timeout_ms=300))
        print(sandbox.execute("print(await one())").stdout.strip(), flush=True)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                sandbox.execute("while True: pass")
                code = 10
            except eryx.TimeoutError:
                pass
            if sandbox.execute("print(await one())").stdout != "1\\n":
                code = 11
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status))
        """
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["1", "child", "0"]


def test_forked_session_survives_its_parent_collected_through_a_cycle():
    holder = []
    parent = eryx.Session(on_stdout=lambda text, keep=holder: None)
    holder.append(parent)
    parent.execute("x = 5")
    child = parent.fork()
    del parent, holder
    gc.collect()
    assert child.execute("print(x)").stdout == "5\n"


@pytest.mark.parametrize(
    "body",
    [
        "sandbox.execute('while True: pass')",
        "sandbox.execute('print(await slow())')",
        "sandbox.execute('while True: print(1)')",
    ],
    ids=["execution", "callback", "output-stream"],
)
def test_process_exit_with_work_in_flight_is_clean(body):
    child = run_child(
        f"""
        import threading, time, eryx
        registry = eryx.CallbackRegistry()
        @registry.callback()
        def slow() -> int:
            time.sleep(30)
            return 1
        sandbox = eryx.Sandbox(callbacks=registry, on_stdout=lambda t: None,
                               resource_limits=eryx.ResourceLimits(execution_timeout_ms=None,
                                                                   callback_timeout_ms=None))
        threading.Thread(target=lambda: {body}, daemon=True).start()
        time.sleep(0.5)
        print("exiting")
        """
    )
    assert child.returncode == 0, (child.returncode, child.stderr)
    assert child.stdout == "exiting\n"


def test_on_stdout_using_its_own_session_gets_an_error_not_a_deadlock():
    errors = []

    def handler(text):
        try:
            session.execute("pass")
        except eryx.EryxError as e:
            errors.append(str(e))

    session = eryx.Session(on_stdout=handler)
    session.execute("print('hi')")
    assert errors and "busy on this very thread" in errors[0]
    assert session.execute("print(2)").stdout == "2\n"


# ---- untrusted values and limits ----------------------------------------------------------------


def test_replaced_json_dumps_gives_no_result_and_a_reason():
    result = eryx.Sandbox().execute(
        "import json\njson.dumps = lambda *a, **k: '{bad'\nresult = 1"
    )
    assert result.result is None
    assert "not usable JSON" in result.result_error


def test_result_python_cannot_parse_raises_an_eryx_error():
    result = eryx.Sandbox().execute(
        "import json\njson.dumps = lambda *a, **k: '1' * 5000\nresult = 1"
    )
    with pytest.raises(eryx.EryxError):
        result.result


@pytest.mark.parametrize(
    "field", ["execution_timeout_ms", "callback_timeout_ms", "max_memory_bytes", "max_fuel"]
)
def test_negative_limit_is_a_value_error(field):
    with pytest.raises(ValueError, match=field):
        eryx.ResourceLimits(**{field: -1})


@pytest.mark.parametrize("field", ["execution_timeout_ms", "max_output_bytes"])
def test_limit_beyond_64_bits_is_a_value_error(field):
    with pytest.raises(ValueError, match=field):
        eryx.ResourceLimits(**{field: 2**64})


def test_zero_timeout_is_a_value_error():
    with pytest.raises(ValueError, match="None means no limit"):
        eryx.ResourceLimits(execution_timeout_ms=0)


def test_bool_limit_is_a_type_error():
    with pytest.raises(TypeError, match="max_memory_bytes"):
        eryx.ResourceLimits(max_memory_bytes=True)


def test_limit_setter_validates_too():
    limits = eryx.ResourceLimits()
    with pytest.raises(ValueError):
        limits.callback_timeout_ms = -5
    limits.callback_timeout_ms = None
    assert limits.callback_timeout_ms is None


YEAR_MS = 365 * 24 * 3600 * 1000


@pytest.mark.parametrize("field, value", [
    ("execution_timeout_ms", YEAR_MS + 1), ("callback_timeout_ms", 2**62),
    ("max_memory_bytes", 2**32 + 1), ("max_vfs_bytes", 2**62), ("max_output_bytes", 2**62),
    ("max_callback_payload_bytes", 2**63)])
def test_an_absurd_limit_is_a_value_error_naming_the_field(field, value):
    with pytest.raises(ValueError, match=rf"{field} is too large"):
        eryx.ResourceLimits(**{field: value})


def test_counts_have_no_maximum_but_64_bits():
    assert eryx.ResourceLimits(max_fuel=2**64 - 1, max_callback_invocations=2**64 - 1).max_fuel == 2**64 - 1


def test_the_largest_timeouts_do_not_expire_at_once():
    limits = eryx.ResourceLimits(execution_timeout_ms=YEAR_MS, callback_timeout_ms=YEAR_MS)
    registry = eryx.CallbackRegistry()
    registry.add(lambda: 1, name="one")
    result = eryx.Sandbox(resource_limits=limits, callbacks=registry).execute(
        "print(await one())"
    )
    assert result.stdout == "1\n"


def test_session_timeout_setter_refuses_negative_values():
    session = eryx.Session()
    with pytest.raises(ValueError):
        session.execution_timeout_ms = -1


def test_factory_load_from_a_directory_is_an_eryx_error(tmp_path):
    with pytest.raises(eryx.InvalidArgumentError):
        eryx.SandboxFactory.load(tmp_path)


def test_raise_memory_error_under_a_memory_limit_is_an_execution_error():
    with pytest.raises(eryx.ExecutionError) as error:
        eryx.Sandbox().execute("raise MemoryError('mine')")
    assert error.value.type_name == "MemoryError"
