"""eryx.ResourceLimits and the errors limits raise."""

import threading
import time

import pytest

import eryx


def test_defaults_match_the_seeds():
    limits = eryx.ResourceLimits()
    assert limits.execution_timeout_ms == 30000
    assert limits.callback_timeout_ms == 10000
    assert limits.max_memory_bytes == 134217728
    assert limits.max_callback_invocations == 1000
    assert limits.max_fuel is None
    assert limits.max_vfs_bytes is None


def test_unlimited_disables_limits():
    limits = eryx.ResourceLimits.unlimited()
    assert limits.execution_timeout_ms is None
    assert limits.max_memory_bytes is None


def test_none_disables_one_limit():
    assert eryx.ResourceLimits(execution_timeout_ms=None).execution_timeout_ms is None


def test_timeout_raises_eryx_and_builtin_timeout_error():
    sandbox = eryx.Sandbox(resource_limits=eryx.ResourceLimits(execution_timeout_ms=300))
    with pytest.raises(TimeoutError) as info:
        sandbox.execute("while True: pass")
    assert isinstance(info.value, eryx.TimeoutError)
    assert isinstance(info.value, eryx.EryxError)


def test_sleep_is_interrupted_by_timeout():
    sandbox = eryx.Sandbox(resource_limits=eryx.ResourceLimits(execution_timeout_ms=300))
    start = time.monotonic()
    with pytest.raises(eryx.TimeoutError):
        sandbox.execute("import time; time.sleep(30)")
    assert time.monotonic() - start < 20


def test_memory_limit_raises_resource_limit_error():
    sandbox = eryx.Sandbox(resource_limits=eryx.ResourceLimits(max_memory_bytes=64 * 1024 * 1024))
    with pytest.raises(eryx.ResourceLimitError):
        sandbox.execute("x = bytearray(512 * 1024 * 1024)")


def test_fuel_is_reported_and_exhaustion_raises():
    limits = eryx.ResourceLimits(max_fuel=10_000_000_000)
    result = eryx.Sandbox(resource_limits=limits).execute("sum(range(10000))")
    assert result.fuel_consumed > 0
    with pytest.raises(eryx.ResourceLimitError):
        eryx.Sandbox(resource_limits=eryx.ResourceLimits(max_fuel=100_000)).execute("while True: pass")


def test_cancel_from_another_thread_raises_cancelled_error():
    sandbox = eryx.Sandbox()
    timer = threading.Timer(0.2, sandbox.cancel)
    timer.start()
    with pytest.raises(eryx.CancelledError):
        sandbox.execute("while True: pass")
    timer.join()


def test_gil_is_released_while_the_guest_runs():
    sandbox = eryx.Sandbox()
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)

    t = threading.Thread(target=tick)
    t.start()
    sandbox.execute("import time; time.sleep(0.3)")
    stop.set()
    t.join()
    assert len(ticks) >= 5


def test_output_cap_is_configurable():
    limits = eryx.ResourceLimits(max_output_bytes=10)
    result = eryx.Sandbox(resource_limits=limits).execute("print('0123456789abcdef')")
    assert result.stdout == "0123456789" and result.stdout_truncated


def test_huge_output_is_truncated():
    result = eryx.Sandbox().execute("print('y' * (5 * 1024 * 1024))")
    assert result.stdout_truncated
    assert len(result.stdout) == 1024 * 1024
