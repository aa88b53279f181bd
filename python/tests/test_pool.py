"""eryx.SandboxPool, as the reference (pyeryx 0.11) defines it: leasing, per-lease options, nothing
crossing from one lease to the next, waits, errors, close, eviction, and threads."""

import asyncio
import gc
import subprocess
import sys
import textwrap
import threading
import time
import weakref

import pytest

import eryx


@pytest.fixture(scope="module")
def factory():
    return eryx.SandboxFactory(imports=["json"], setup_code="GREETING = 'from the factory'")


# ---- creation and the API's shape ----

def test_create_pool_has_the_references_defaults(factory):
    pool = factory.create_pool()
    assert pool.max_size == 10
    stats = pool.stats()
    assert (stats.total, stats.idle, stats.in_use, stats.available) == (1, 1, 0, 10)
    assert stats.total_creations == 1


def test_min_idle_sandboxes_are_made_with_the_pool(factory):
    stats = factory.create_pool(max_size=4, min_idle=3).stats()
    assert (stats.total, stats.idle, stats.total_creations) == (3, 3, 3)


def test_bad_pool_options_raise_value_errors(factory):
    with pytest.raises(eryx.InvalidArgumentError, match="max_size"):
        factory.create_pool(max_size=0)
    with pytest.raises(ValueError, match="min_idle"):
        factory.create_pool(max_size=2, min_idle=3)
    with pytest.raises(ValueError, match="acquire_timeout_ms"):
        factory.create_pool(acquire_timeout_ms=2**62)


def test_create_pool_takes_keywords_only_and_names_a_bad_one(factory):
    with pytest.raises(TypeError, match="keyword arguments only"):
        factory.create_pool(3)
    with pytest.raises(TypeError, match="'max_sise'"):
        factory.create_pool(max_sise=3)


def test_pool_errors_are_eryx_errors():
    for cls in (eryx.PoolExhaustedError, eryx.PoolTimeoutError, eryx.PoolClosedError):
        assert issubclass(cls, eryx.PoolError)
    assert issubclass(eryx.PoolError, eryx.EryxError)


# ---- leasing ----

def test_a_lease_runs_code_from_the_factorys_state(factory):
    with factory.create_pool(max_size=2) as pool:
        with pool.acquire() as sandbox:
            assert isinstance(sandbox, eryx.PooledSandbox)
            result = sandbox.execute("import json\nprint(GREETING, json.dumps([1]))")
            assert result.stdout == "from the factory [1]\n"


def test_a_lease_returns_to_the_pool_when_its_block_ends(factory):
    pool = factory.create_pool(max_size=2)
    with pool.acquire():
        assert pool.stats().in_use == 1
    stats = pool.stats()
    assert (stats.in_use, stats.idle, stats.total_acquisitions) == (0, 1, 1)


def test_release_is_idempotent_and_use_after_release_raises_value_error(factory):
    pool = factory.create_pool(max_size=1)
    sandbox = pool.acquire()
    sandbox.release()
    sandbox.release()
    assert sandbox.released
    with pytest.raises(ValueError, match="released"):
        sandbox.execute("pass")
    assert pool.stats().in_use == 0


def test_execution_errors_are_the_sandboxs(factory):
    with factory.create_pool(max_size=1).acquire() as sandbox:
        with pytest.raises(eryx.ExecutionError, match="ValueError"):
            sandbox.execute("raise ValueError('x')")
        assert sandbox.execute("result = 6 * 7").result == 42


def test_try_acquire_returns_none_when_every_sandbox_is_out(factory):
    pool = factory.create_pool(max_size=2)
    first, second = pool.try_acquire(), pool.try_acquire()
    assert first is not None and second is not None
    assert pool.try_acquire() is None
    first.release()
    assert pool.try_acquire() is not None


def test_acquire_times_out_with_pool_timeout_error(factory):
    pool = factory.create_pool(max_size=1, acquire_timeout_ms=100)
    held = pool.acquire()
    started = time.monotonic()
    with pytest.raises(eryx.PoolTimeoutError):
        pool.acquire()
    assert time.monotonic() - started >= 0.09
    assert pool.stats().wait_count == 1
    held.release()


def test_acquire_without_a_timeout_raises_pool_exhausted_error(factory):
    pool = factory.create_pool(max_size=1, acquire_timeout_ms=0)
    held = pool.acquire()
    with pytest.raises(eryx.PoolExhaustedError):
        pool.acquire()
    held.release()


def test_acquire_waits_without_the_gil_for_a_lease_released_by_another_thread(factory):
    pool = factory.create_pool(max_size=1, acquire_timeout_ms=10_000)
    held = pool.acquire()

    def release_once_waited():
        # Runs Python while the main thread waits in acquire(): only if that wait let go of the GIL.
        deadline = time.monotonic() + 10
        while pool.stats().wait_count == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        held.release()

    releaser = threading.Thread(target=release_once_waited)
    releaser.start()
    with pool.acquire() as sandbox:
        assert sandbox.execute("print(1)").stdout == "1\n"
    releaser.join()
    stats = pool.stats()
    assert stats.wait_count == 1
    assert stats.total_wait_time_ms > 0
    assert stats.average_wait_time_ms == stats.total_wait_time_ms


def test_ctrl_c_stops_a_blocked_acquire_with_keyboard_interrupt():
    # In a child process: the signal goes to the whole process.
    code = textwrap.dedent("""
        import os, signal, threading, time, eryx
        pool = eryx.SandboxFactory().create_pool(max_size=1, acquire_timeout_ms=60_000)
        held = pool.acquire()
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        start = time.monotonic()
        try:
            pool.acquire()
            print("no interrupt")
        except KeyboardInterrupt:
            print("interrupted after", round(time.monotonic() - start, 1))
        print(pool.stats().in_use, held.execute("print(7)").stdout.strip())
    """)
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr
    words = child.stdout.split()
    assert words[0] == "interrupted" and float(words[2]) < 10
    assert words[3:] == ["1", "7"]


def test_close_wakes_blocked_acquirers_with_pool_closed_error(factory):
    pool = factory.create_pool(max_size=1)
    held = pool.acquire()
    errors = []

    def wait():
        try:
            pool.acquire()
        except eryx.PoolClosedError as error:
            errors.append(error)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.05)
    pool.close()
    waiter.join(timeout=10)
    assert not waiter.is_alive() and len(errors) == 1
    assert pool.is_closed
    with pytest.raises(eryx.PoolClosedError):
        pool.acquire()
    with pytest.raises(eryx.PoolClosedError):
        pool.try_acquire()
    # The lease already out keeps working; its slot is dropped when it comes back.
    assert held.execute("print(2)").stdout == "2\n"
    held.release()
    assert pool.stats().total == 0


def test_the_pool_closes_when_its_block_ends(factory):
    with factory.create_pool() as pool:
        pass
    assert pool.is_closed


def test_evict_idle_drops_sandboxes_idle_past_the_timeout_keeping_min_idle(factory):
    pool = factory.create_pool(max_size=4, min_idle=1, idle_timeout_ms=20)
    leases = [pool.acquire() for _ in range(3)]
    for lease in leases:
        lease.release()
    assert pool.stats().idle == 3
    time.sleep(0.06)
    assert pool.evict_idle() == 2
    assert pool.stats().total == 1


# ---- nothing of one lease reaches the next (max_size=1: the next lease has the same slot) ----

def test_variables_files_environment_and_modules_do_not_reach_the_next_lease(factory):
    pool = factory.create_pool(max_size=1)
    with pool.acquire() as writer:
        writer.execute(
            "import os, sys, json\n"
            "left_behind = 'secret'\n"
            "GREETING = 'changed'\n"
            "os.environ['LEFT'] = 'secret'\n"
            "json.dumps = None\n"
            "open('/tmp/left.txt', 'w').write('secret')\n")
    with pool.acquire() as reader:
        result = reader.execute(
            "import os, json\n"
            "print('left_behind' in globals(), GREETING, 'LEFT' in os.environ,\n"
            "      os.path.exists('/tmp/left.txt'), json.dumps(1))\n")
    assert result.stdout == "False from the factory False False 1\n"
    assert pool.stats().total_creations == 1


def test_callbacks_do_not_reach_the_next_lease(factory):
    pool = factory.create_pool(max_size=1)

    def leaked():
        return 42

    with pool.acquire(callbacks=[{"name": "leaked", "fn": leaked}]) as first:
        assert first.execute("print(await leaked())").stdout == "42\n"
    with pool.acquire() as second:
        assert second.execute("print('leaked' in globals())").stdout == "False\n"


def test_output_handlers_do_not_reach_the_next_lease(factory):
    pool = factory.create_pool(max_size=1)
    first, second = [], []
    with pool.acquire(on_stdout=first.append) as lease:
        lease.execute("print('mine')")
    with pool.acquire(on_stdout=second.append) as lease:
        lease.execute("print('theirs')")
    with pool.acquire() as lease:
        lease.execute("print('nobody')")
    assert "".join(first) == "mine\n"
    assert "".join(second) == "theirs\n"


def test_limits_do_not_reach_the_next_lease(factory):
    pool = factory.create_pool(max_size=1)
    busy = "import time\nend = time.monotonic() + 0.3\nwhile time.monotonic() < end: pass"
    tight = eryx.ResourceLimits(execution_timeout_ms=100)
    with pool.acquire(resource_limits=tight) as lease:
        with pytest.raises(eryx.TimeoutError):
            lease.execute(busy)
    with pool.acquire() as lease:
        lease.execute(busy)  # the default 30 s
    with pool.acquire(resource_limits=tight) as lease:
        with pytest.raises(eryx.TimeoutError):
            lease.execute(busy)


def test_a_released_lease_drops_its_handlers(factory):
    pool = factory.create_pool(max_size=1)

    class Handler:
        def __call__(self, text):
            pass

    handler = Handler()
    ref = weakref.ref(handler)
    lease = pool.acquire(on_stdout=handler)
    lease.execute("print(1)")
    del handler
    lease.release()
    gc.collect()
    assert ref() is None


# ---- a slot comes back only when its execution has really ended ----

START_THEN_LOOP = "print('started', flush=True)\nwhile True: pass"


def test_releasing_during_an_execution_keeps_the_slot_until_it_ends(factory):
    pool = factory.create_pool(max_size=1)
    started = threading.Event()
    lease = pool.acquire(on_stdout=lambda text: started.set())
    errors = []

    def run():
        try:
            lease.execute(START_THEN_LOOP)
        except eryx.CancelledError as error:
            errors.append(error)

    runner = threading.Thread(target=run)
    runner.start()
    assert started.wait(10)
    lease.release()
    assert pool.try_acquire() is None, "the execution still runs in that slot"
    assert pool.stats().in_use == 1
    lease.cancel()  # still reaches the execution running on the released lease
    runner.join(timeout=10)
    assert len(errors) == 1
    assert pool.stats().in_use == 0
    assert pool.try_acquire() is not None


def test_a_cancelled_execute_async_returns_its_slot_only_after_it_stopped(factory):
    pool = factory.create_pool(max_size=1, acquire_timeout_ms=10_000)

    async def main():
        # The timeout only bounds the test should the interrupt be missed.
        with pool.acquire(resource_limits=eryx.ResourceLimits(execution_timeout_ms=10_000)) as sandbox:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(sandbox.execute_async("while True: pass"), timeout=0.2)
        # The block released the lease while the interrupted execution may still unwind.
        with pool.acquire() as sandbox:
            return (await sandbox.execute_async("print(3)")).stdout

    assert asyncio.run(main()) == "3\n"
    assert pool.stats().in_use == 0


def test_a_timed_out_execution_returns_its_slot_only_after_it_stopped(factory):
    pool = factory.create_pool(max_size=1, acquire_timeout_ms=10_000)
    running = threading.Event()
    lease = pool.acquire(resource_limits=eryx.ResourceLimits(execution_timeout_ms=300),
                         on_stdout=lambda text: running.set())
    started = time.monotonic()
    errors = []

    def run():
        try:
            lease.execute(START_THEN_LOOP)
        except eryx.TimeoutError as error:
            errors.append(error)

    runner = threading.Thread(target=run)
    runner.start()
    assert running.wait(10)
    lease.release()
    with pool.acquire() as sandbox:  # not before the deadline ended the execution
        assert time.monotonic() - started >= 0.3
        assert sandbox.execute("print(4)").stdout == "4\n"
    runner.join()
    assert len(errors) == 1


def test_a_callback_blocking_past_the_timeout_cannot_reach_the_next_lease(factory):
    pool = factory.create_pool(max_size=1)
    done = threading.Event()

    def slow():
        time.sleep(0.8)
        done.set()
        return "late"

    with pool.acquire(callbacks=[{"name": "slow", "fn": slow}],
                      resource_limits=eryx.ResourceLimits(execution_timeout_ms=200)) as lease:
        with pytest.raises(eryx.TimeoutError):
            lease.execute("print(await slow())")
    assert not done.is_set()
    with pool.acquire() as lease:
        assert lease.execute("print('slow' in globals())").stdout == "False\n"
        assert done.wait(10)
        assert lease.execute("print(5)").stdout == "5\n"


# ---- threads ----

def test_many_threads_share_the_pool_never_more_than_max_size_at_once(factory):
    pool = factory.create_pool(max_size=2, acquire_timeout_ms=30_000)
    lock = threading.Lock()
    running, most, outputs = [0], [0], []

    def work(t):
        for i in range(6):
            with pool.acquire() as sandbox:
                with lock:
                    running[0] += 1
                    most[0] = max(most[0], running[0])
                out = sandbox.execute(f"print({t * 100 + i})").stdout
                with lock:
                    running[0] -= 1
                    outputs.append(out == f"{t * 100 + i}\n")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = pool.stats()
    assert outputs == [True] * 24
    assert most[0] <= 2
    assert stats.total_acquisitions == 24
    assert stats.total_creations <= 2
    assert stats.in_use == 0


def test_a_lease_can_be_collected_with_a_callback_that_refers_to_it(factory):
    pool = factory.create_pool(max_size=1)
    holder = {}

    def cb():
        return holder["lease"] is not None

    lease = pool.acquire(callbacks=[{"name": "cb", "fn": cb}])
    holder["lease"] = lease
    ref = weakref.ref(lease)
    del lease, holder
    gc.collect()
    assert ref() is None
    assert pool.stats().in_use == 0
