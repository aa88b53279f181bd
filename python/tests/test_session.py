"""eryx.Session: state persists between executions."""

import asyncio

import pytest

import eryx


def test_variables_persist():
    session = eryx.Session()
    session.execute("x = 41")
    assert session.execute("x += 1\nprint(x)").stdout == "42\n"


def test_reset_clears_state_and_count():
    session = eryx.Session()
    session.execute("x = 1")
    assert session.execution_count == 1
    session.reset()
    assert session.execution_count == 0
    assert session.execute("print('x' in globals())").stdout == "False\n"


def test_execution_timeout_is_read_write():
    session = eryx.Session()
    assert session.execution_timeout_ms == 30000
    session.execution_timeout_ms = 200
    assert session.execution_timeout_ms == 200
    with pytest.raises(eryx.TimeoutError):
        session.execute("while True: pass")
    assert session.execute("print('usable')").stdout == "usable\n"


def test_execute_async():
    async def main():
        sandbox = eryx.Sandbox()
        results = await asyncio.gather(*(sandbox.execute_async(f"print({i})") for i in range(3)))
        return [r.stdout for r in results]

    assert asyncio.run(main()) == ["0\n", "1\n", "2\n"]


def test_cancelling_execute_async_cancels_the_guest():
    async def main():
        sandbox = eryx.Sandbox()
        task = asyncio.ensure_future(sandbox.execute_async("while True: pass"))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_top_level_await():
    out = eryx.Session().execute("import asyncio\nawait asyncio.sleep(0)\nprint('awaited')").stdout
    assert out == "awaited\n"


def test_clear_state_keeps_imports():
    session = eryx.Session()
    session.execute("import json\nx = 1")
    session.clear_state()
    assert session.execute("import sys\nprint('x' in globals(), 'json' in sys.modules)").stdout == "False True\n"


def test_snapshot_and_restore_state():
    source = eryx.Session()
    source.execute("x = [1, 2]\nimport json")
    blob = source.snapshot_state()
    assert isinstance(blob, bytes)
    target = eryx.Session()
    target.restore_state(blob)
    assert target.execute("print(x, json.dumps(x))").stdout == "[1, 2] [1, 2]\n"


def test_corrupt_state_raises_and_keeps_session():
    session = eryx.Session()
    session.execute("x = 5")
    with pytest.raises(eryx.EryxError):
        session.restore_state(b"\x80\x04garbage")
    assert session.execute("print(x)").stdout == "5\n"


def test_fork_copies_live_state_and_is_independent():
    parent = eryx.Session()
    parent.execute("gen = iter(range(5))\nnext(gen)\nx = 1")
    child = parent.fork()
    assert isinstance(child, eryx.Session)
    child.execute("x = 2")
    assert child.execute("print(next(gen), x)").stdout == "1 2\n"
    assert parent.execute("print(next(gen), x)").stdout == "1 1\n"
