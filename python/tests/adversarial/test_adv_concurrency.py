"""Threads, asyncio, cancellation, signals, os.fork and process exit around running executions."""

import pytest

from adv_harness import child


@child()
def test_eight_threads_on_one_sandbox_all_get_their_own_output():
    sandbox = eryx.Sandbox()
    outs = [None] * 8

    def run(i):
        outs[i] = sandbox.execute(f"print({i} * 3)").stdout

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outs == [f"{i * 3}\n" for i in range(8)], outs


@child()
def test_threads_on_one_session_are_serialised():
    session = eryx.Session()
    session.execute("n = 0")

    def run():
        for _ in range(10):
            session.execute("v = n\nn = v + 1")

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert session.execute("print(n)").stdout == "60\n"
    assert session.execution_count == 62


@child()
def test_cancel_with_nothing_running_does_not_poison_the_next_execution():
    sandbox, session = eryx.Sandbox(), eryx.Session()
    for runner in (sandbox, session):
        runner.cancel()
        runner.cancel()
        usable(runner)


@child()
def test_cancel_storm_from_many_threads_ends_the_execution_once():
    sandbox = eryx.Sandbox()
    stop = threading.Event()

    def spam():
        while not stop.is_set():
            sandbox.cancel()

    def delayed():
        time.sleep(0.2)
        spam()

    threads = [threading.Thread(target=delayed) for _ in range(4)]
    for t in threads:
        t.start()
    with within(5):
        raises(eryx.CancelledError, sandbox.execute, "while True: pass")
    stop.set()
    for t in threads:
        t.join()
    usable(sandbox)


@child()
def test_cancelled_session_restarts_fresh_and_works():
    session = eryx.Session()
    session.execute("x = 1")
    threading.Timer(0.2, session.cancel).start()
    raises(eryx.CancelledError, session.execute, "while True: pass")
    assert session.execute("print('x' in globals())").stdout == "False\n"


@child()
def test_cancel_during_a_callback_wait_ends_promptly():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: time.sleep(3), name="slow")
    sandbox = eryx.Sandbox(callbacks=registry)
    threading.Timer(0.2, sandbox.cancel).start()
    with within(2.5):
        raises(eryx.CancelledError, sandbox.execute, "await slow()")
    usable(sandbox)


@child()
def test_cancel_during_guest_sleep_ends_promptly():
    session = eryx.Session()
    threading.Timer(0.2, session.cancel).start()
    with within(3):
        raises(eryx.CancelledError, session.execute, "import time\ntime.sleep(60)")


@child()
def test_reset_fork_and_snapshot_while_another_thread_executes_wait_their_turn():
    session = eryx.Session(resource_limits=limits(execution_timeout_ms=800))
    session.execute("x = 1")
    errors = []

    def busy():
        try:
            session.execute("import time\ntime.sleep(0.4)\nx = 2")
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    worker = threading.Thread(target=busy)
    worker.start()
    time.sleep(0.1)
    with within(10):
        forked = session.fork()
        data = session.snapshot()
        session.reset()
    worker.join()
    assert errors == [], errors
    assert forked.execute("print(x)").stdout == "2\n"
    assert eryx.Session.from_snapshot(data).execute("print(x)").stdout == "2\n"
    assert session.execute("print('x' in globals())").stdout == "False\n"


@child()
def test_changing_the_timeout_while_executing_does_not_crash():
    session = eryx.Session(resource_limits=limits(execution_timeout_ms=2000))
    stop = threading.Event()

    def flip():
        while not stop.is_set():
            session.execution_timeout_ms = 1
            session.execution_timeout_ms = None
            session.execution_timeout_ms = 2000

    t = threading.Thread(target=flip)
    t.start()
    try:
        for _ in range(5):
            try:
                session.execute("sum(range(100000))")
            except eryx.TimeoutError:
                pass
    finally:
        stop.set()
        t.join()
    session.execution_timeout_ms = 2000
    usable(session)


@child(timeout=60)
def test_sixty_four_concurrent_sandboxes_all_finish():
    outs = [None] * 64

    def run(i):
        outs[i] = eryx.Sandbox().execute(f"import time\ntime.sleep(0.05)\nprint({i})").stdout

    threads = [threading.Thread(target=run, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outs == [f"{i}\n" for i in range(64)]


@child(timeout=90)
def test_more_live_sessions_than_pool_slots_all_work():
    sessions = [eryx.Session() for _ in range(140)]
    for i, s in enumerate(sessions):
        s.execute(f"v = {i}")
    assert [s.execute("print(v)").stdout for s in sessions[::20]] == [f"{i}\n" for i in range(0, 140, 20)]


@child()
def test_sessions_created_and_dropped_from_many_threads():
    errors = []

    def churn():
        try:
            for _ in range(8):
                s = eryx.Session()
                s.execute("x = 1")
                s.fork().execute("x")
                del s
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=churn) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], errors


@child()
def test_dropping_the_last_reference_while_another_thread_executes():
    sandbox = eryx.Sandbox()
    out = []
    t = threading.Thread(target=lambda: out.append(sandbox.execute("import time\ntime.sleep(0.3)\nprint('done')").stdout))
    t.start()
    del sandbox
    gc.collect()
    t.join()
    assert out == ["done\n"]


@child()
def test_fifty_execute_async_on_one_sandbox():
    async def main():
        sandbox = eryx.Sandbox()
        results = await asyncio.gather(*(sandbox.execute_async(f"print({i})") for i in range(50)))
        return [r.stdout for r in results]

    assert asyncio.run(main()) == [f"{i}\n" for i in range(50)]


@child()
def test_execute_async_timeout_propagates_as_eryx_timeout():
    async def main():
        sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=200))
        try:
            await sandbox.execute_async("while True: pass")
        except eryx.TimeoutError:
            return "timeout"

    assert asyncio.run(main()) == "timeout"


@child()
def test_asyncio_wait_for_timeout_cancels_the_guest():
    async def main():
        sandbox = eryx.Sandbox()
        start = time.monotonic()
        try:
            await asyncio.wait_for(sandbox.execute_async("while True: pass"), 0.3)
        except asyncio.TimeoutError:
            pass
        assert time.monotonic() - start < 3
        return (await sandbox.execute_async("print('after')")).stdout

    with within(10):
        assert asyncio.run(main()) == "after\n"


@child()
def test_cancelling_one_async_task_spares_the_others_on_a_sandbox():
    async def main():
        sandbox = eryx.Sandbox()
        victim = asyncio.ensure_future(sandbox.execute_async("while True: pass"))
        bystander = asyncio.ensure_future(sandbox.execute_async("import time\ntime.sleep(0.6)\nprint('alive')"))
        await asyncio.sleep(0.2)
        victim.cancel()
        return (await bystander).stdout

    assert asyncio.run(main()) == "alive\n"


@child()
def test_cancelling_one_async_task_spares_the_others_on_a_session():
    async def main():
        session = eryx.Session()
        running = asyncio.ensure_future(session.execute_async("import time\ntime.sleep(0.6)\nprint('alive')"))
        await asyncio.sleep(0.1)
        queued = asyncio.ensure_future(session.execute_async("print('queued')"))
        await asyncio.sleep(0.1)
        queued.cancel()
        return (await running).stdout

    assert asyncio.run(main()) == "alive\n"


@child(timeout=30)
def test_sigint_during_execute_raises_keyboard_interrupt_promptly():
    session = eryx.Session(resource_limits=limits(execution_timeout_ms=5000))
    session.execute("x = 1")
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    start = time.monotonic()
    try:
        session.execute("while True: pass")
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("no KeyboardInterrupt")
    assert time.monotonic() - start < 2, time.monotonic() - start
    usable(session)


@child(timeout=40)
def test_after_os_fork_the_child_still_times_out_and_runs_callbacks():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: "cb", name="cb")
    eryx.Sandbox(callbacks=registry).execute("await cb()")
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            sandbox = eryx.Sandbox(callbacks=registry, resource_limits=limits(execution_timeout_ms=300))
            assert sandbox.execute("print(await cb())").stdout == "cb\n"
            start = time.monotonic()
            try:
                sandbox.execute("while True: pass")
            except eryx.TimeoutError:
                code = 0 if time.monotonic() - start < 5 else 3
        finally:
            os._exit(code)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise AssertionError("forked child hung")
    assert os.waitstatus_to_exitcode(status) == 0, os.waitstatus_to_exitcode(status)


@child(timeout=30)
def test_process_exit_with_an_execution_in_flight_is_clean():
    # The executions end (time out) while the interpreter shuts down.
    sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=350))
    for _ in range(4):
        threading.Thread(target=sandbox.execute, args=("while True: pass",), daemon=True).start()
    time.sleep(0.3)


@child(timeout=30)
def test_process_exit_with_a_callback_in_flight_is_clean():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: time.sleep(0.3), name="slow")
    sandbox = eryx.Sandbox(callbacks=registry)
    for _ in range(4):
        threading.Thread(target=sandbox.execute, args=("import asyncio\nawait asyncio.gather(*(slow() for _ in range(8)))",),
                         daemon=True).start()
    time.sleep(0.3)


@child(timeout=30)
def test_process_exit_with_an_output_stream_in_flight_is_clean():
    sandbox = eryx.Sandbox(on_stdout=lambda text: time.sleep(0.001), resource_limits=limits(execution_timeout_ms=None))
    for _ in range(4):
        threading.Thread(target=sandbox.execute, args=("while True:\n    print('x' * 100, flush=True)",),
                         daemon=True).start()
    time.sleep(0.3)


@child(timeout=12)
def test_reentering_a_session_from_its_output_handler_raises():
    holder = {}
    seen = []

    def handler(text):
        try:
            holder["s"].execute("print('inner')")
            seen.append("ran")
        except eryx.EryxError:
            seen.append("refused")

    holder["s"] = session = eryx.Session(on_stdout=handler, resource_limits=limits(execution_timeout_ms=3000))
    with within(5):
        session.execute("print('outer', flush=True)")
    assert seen and set(seen) == {"refused"}, seen
    holder["s"] = None
    usable(session)


@child()
def test_reentering_a_sandbox_from_its_output_handler_works():
    holder = {}
    inner = []

    def handler(text):
        if text.startswith("outer") and not inner:
            inner.append(None)
            inner[0] = holder["s"].execute("print('inner')").stdout

    holder["s"] = sandbox = eryx.Sandbox(on_stdout=handler)
    with within(10):
        sandbox.execute("print('outer', flush=True)")
    assert inner == ["inner\n"], inner


@child()
def test_gil_is_not_held_while_a_callback_thread_needs_it():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: sum(range(100000)), name="work")
    sandbox = eryx.Sandbox(callbacks=registry)
    outs = []

    def run():
        outs.append(sandbox.execute("import asyncio\nprint(len(await asyncio.gather(*(work() for _ in range(20)))))").stdout)

    threads = [threading.Thread(target=run) for _ in range(4)]
    with within(20):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert outs == ["20\n"] * 4
