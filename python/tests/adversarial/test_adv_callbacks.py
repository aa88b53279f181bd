"""Hostile callback traffic in both directions: payloads, timeouts, reentry, odd names and schemas."""

import pytest

from adv_harness import child


@child()
def test_host_base_exception_in_a_callback_reaches_the_guest_as_callback_error():
    registry = eryx.CallbackRegistry()

    def leave():
        raise SystemExit(3)

    def interrupt():
        raise KeyboardInterrupt

    registry.add(leave, name="leave")
    registry.add(interrupt, name="interrupt")
    sandbox = eryx.Sandbox(callbacks=registry)
    out = sandbox.execute("for f in (leave, interrupt):\n    try:\n        await f()\n"
                          "    except CallbackError as e:\n        print(e.kind)").stdout
    assert out == "error\nerror\n", out
    usable(sandbox)


@child()
def test_oversized_result_is_too_large():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: "x" * (2 << 20), name="big")
    sandbox = eryx.Sandbox(callbacks=registry, resource_limits=limits(max_callback_payload_bytes=1 << 20))
    out = sandbox.execute("try:\n    await big()\nexcept CallbackError as e:\n    print(e.kind)").stdout
    assert out == "too_large\n", out


@child()
def test_oversized_arguments_are_too_large_and_the_function_does_not_run():
    ran = []
    registry = eryx.CallbackRegistry()
    registry.add(lambda s: ran.append(1), name="take",
                 schema={"type": "object", "properties": {"s": {"type": "string"}}})
    sandbox = eryx.Sandbox(callbacks=registry, resource_limits=limits(max_callback_payload_bytes=1 << 20))
    out = sandbox.execute("try:\n    await take('y' * (2 << 20))\nexcept CallbackError as e:\n    print(e.kind)").stdout
    assert out == "too_large\n" and ran == [], (out, ran)


@child()
def test_hanging_sync_callback_times_out_in_the_guest():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: time.sleep(5), name="hang")
    sandbox = eryx.Sandbox(callbacks=registry, resource_limits=limits(callback_timeout_ms=300))
    with within(4):
        out = sandbox.execute("try:\n    await hang()\nexcept CallbackError as e:\n"
                              "    print(type(e).__name__, e.kind, isinstance(e, TimeoutError))").stdout
    assert out == "CallbackTimeoutError timeout True\n", out


@child()
def test_never_completing_async_callback_times_out():
    registry = eryx.CallbackRegistry()

    async def forever():
        await asyncio.Event().wait()

    registry.add(forever, name="forever")
    sandbox = eryx.Sandbox(callbacks=registry, resource_limits=limits(callback_timeout_ms=300))
    with within(4):
        out = sandbox.execute("try:\n    await forever()\nexcept CallbackError as e:\n    print(e.kind)").stdout
    assert out == "timeout\n"


@child()
def test_slow_callback_past_the_execution_timeout_ends_the_execution():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: time.sleep(3), name="slow")
    sandbox = eryx.Sandbox(callbacks=registry, resource_limits=limits(execution_timeout_ms=400))
    with within(2.5):
        raises(eryx.TimeoutError, sandbox.execute, "await slow()")
    usable(sandbox)


@child()
def test_self_referential_result_is_a_callback_error():
    registry = eryx.CallbackRegistry()

    def loop():
        x = []
        x.append(x)
        return x

    registry.add(loop, name="loop")
    out = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    await loop()\nexcept CallbackError as e:\n    print(e.kind)").stdout
    assert out == "error\n", out


@child()
def test_deeply_nested_result_is_a_callback_error_or_value_not_a_crash():
    registry = eryx.CallbackRegistry()

    def deep():
        x = []
        for _ in range(100000):
            x = [x]
        return x

    registry.add(deep, name="deep")
    sandbox = eryx.Sandbox(callbacks=registry)
    out = sandbox.execute("try:\n    await deep()\n    print('value')\nexcept (CallbackError, RecursionError):\n"
                          "    print('refused')").stdout
    assert out in ("refused\n", "value\n"), out
    usable(sandbox)


@child()
def test_deeply_nested_arguments_do_not_crash_the_host():
    registry = eryx.CallbackRegistry()
    registry.add(lambda x=None: "ran", name="take", schema={"type": "object"})
    sandbox = eryx.Sandbox(callbacks=registry)
    code = ("import sys\nsys.setrecursionlimit(100000)\nx = []\nfor _ in range(50000):\n    x = [x]\n"
            "try:\n    print(await take(x=x))\nexcept (CallbackError, RecursionError, ValueError) as e:\n    print('refused')")
    try:
        out = sandbox.execute(code).stdout
        assert out in ("refused\n", "ran\n"), out
    except eryx.ExecutionError:
        pass
    usable(sandbox)


@child()
def test_nan_and_infinity_results_do_not_break_the_guest():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: [float("nan"), float("inf")], name="odd")
    out = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    v = await odd()\n    print(len(v))\nexcept CallbackError as e:\n    print(e.kind)").stdout
    assert out in ("2\n", "error\n"), out


@child()
def test_huge_integer_result_arrives_or_fails_typed():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: 2 ** 200, name="big")
    out = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    print(await big() == 2 ** 200)\nexcept CallbackError as e:\n    print(e.kind)").stdout
    assert out in ("True\n", "error\n"), out


@child()
def test_lone_surrogate_in_a_result_does_not_crash():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: "a\ud800b", name="odd")
    sandbox = eryx.Sandbox(callbacks=registry)
    out = sandbox.execute("try:\n    v = await odd()\n    print(len(v) >= 2)\nexcept CallbackError as e:\n"
                          "    print(e.kind)").stdout
    assert out in ("True\n", "error\n"), out
    usable(sandbox)


@child()
def test_huge_error_message_is_delivered_bounded():
    registry = eryx.CallbackRegistry()

    def fail():
        raise ValueError("m" * (20 << 20))

    registry.add(fail, name="fail")
    before = rss_bytes()
    out = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    await fail()\nexcept CallbackError as e:\n    print(e.kind, len(str(e)) <= (20 << 20) + 100)").stdout
    assert out in ("error True\n", "too_large True\n"), out


@child()
def test_error_message_with_a_nul_is_delivered():
    registry = eryx.CallbackRegistry()

    def fail():
        raise ValueError("a\x00b")

    registry.add(fail, name="fail")
    out = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    await fail()\nexcept CallbackError as e:\n    print(e.kind, str(e).startswith('ValueError: a'))").stdout
    assert out == "error True\n", out


@child()
def test_error_message_with_a_lone_surrogate_keeps_its_type():
    registry = eryx.CallbackRegistry()

    def fail():
        raise ValueError("a\ud800c")

    registry.add(fail, name="fail")
    out = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    await fail()\nexcept CallbackError as e:\n    print(e.kind, repr(str(e)))").stdout
    assert out.startswith("error 'ValueError: a"), out


@child()
def test_reentering_the_calling_session_from_a_callback_is_refused():
    holder = {}
    registry = eryx.CallbackRegistry()

    def reenter(what: str):
        session = holder["s"]
        {"execute": lambda: session.execute("1"), "reset": session.reset, "fork": session.fork,
         "snapshot": session.snapshot, "clear": session.clear_state}[what]()
        return "DONE"

    registry.add(reenter, name="reenter")
    holder["s"] = session = eryx.Session(callbacks=registry, resource_limits=limits(execution_timeout_ms=5000))
    with within(10):
        out = session.execute("for w in ('execute', 'reset', 'fork', 'snapshot', 'clear'):\n"
                              "    try:\n        print(await reenter(w))\n    except CallbackError as e:\n"
                              "        print(e.kind)").stdout
    assert out == "error\n" * 5, out
    usable(session)


@child()
def test_callback_may_use_another_session_and_sandboxes():
    other = eryx.Session()
    registry = eryx.CallbackRegistry()
    registry.add(lambda: other.execute("print(7)").stdout + eryx.Sandbox().execute("print(8)").stdout,
                 name="nested")
    out = eryx.Session(callbacks=registry).execute("print(repr(await nested()))").stdout
    assert out == "'7\\n8\\n'\n", out


@child()
def test_invocation_limit_holds_against_a_call_storm():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: 1, name="one")
    sandbox = eryx.Sandbox(callbacks=registry, resource_limits=limits(max_callback_invocations=100))
    with within(20):
        raises(eryx.ResourceLimitError, sandbox.execute,
               "import asyncio\nawait asyncio.gather(*(one() for _ in range(5000)))")
    usable(sandbox)


@child()
def test_five_hundred_concurrent_callbacks_all_return():
    registry = eryx.CallbackRegistry()
    registry.add(lambda i: i * 2, name="double")
    out = eryx.Sandbox(callbacks=registry).execute(
        "import asyncio\nr = await asyncio.gather(*(double(i) for i in range(500)))\nprint(r == [2 * i for i in range(500)])").stdout
    assert out == "True\n"


@child()
def test_unknown_and_badly_named_invocations_are_callback_errors():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: 1, name="one")
    out = eryx.Sandbox(callbacks=registry).execute(
        "for name in ('nope', '', 'one\\x00', 'o' * 100000):\n    try:\n        await invoke(name)\n"
        "    except CallbackError as e:\n        print(e.kind)\n"
        "try:\n    await invoke(123)\nexcept (CallbackError, TypeError) as e:\n    print('typed')").stdout
    assert out == "unknown\nunknown\nunknown\nunknown\ntyped\n", out


@child()
def test_non_identifier_keyword_arguments_are_invalid_arguments():
    registry = eryx.CallbackRegistry()
    registry.add(lambda a: a, name="echo")
    out = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    await invoke('echo', **{'a b': 1, 'a': 2})\nexcept CallbackError as e:\n    print(e.kind)").stdout
    assert out == "invalid_arguments\n", out


@child()
def test_unawaited_and_abandoned_callbacks_do_not_leak_into_the_next_execution():
    calls = []
    registry = eryx.CallbackRegistry()

    def slow(i: int):
        time.sleep(0.3)
        calls.append(i)
        return i

    registry.add(slow, name="slow")
    sandbox = eryx.Sandbox(callbacks=registry)
    sandbox.execute("import asyncio\nslow(1)\nt = asyncio.ensure_future(slow(2))\nawait asyncio.sleep(0)")
    result = sandbox.execute("print(await slow(3))")
    assert result.stdout == "3\n" and result.callback_invocations == 1
    usable(sandbox)


@child()
def test_callback_that_raises_on_str_of_its_exception_is_still_an_error():
    registry = eryx.CallbackRegistry()

    class Nasty(Exception):
        def __str__(self):
            raise RuntimeError("no str for you")

    def fail():
        raise Nasty()

    registry.add(fail, name="fail")
    out = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    await fail()\nexcept CallbackError as e:\n    print(e.kind)").stdout
    assert out == "error\n", out


@child()
def test_result_with_a_hostile_json_hook_is_an_error():
    registry = eryx.CallbackRegistry()

    class Weird(dict):
        def items(self):
            raise RuntimeError("nope")

        def keys(self):
            raise RuntimeError("nope")

    registry.add(lambda: {"a": Weird(b=1)}, name="weird")
    sandbox = eryx.Sandbox(callbacks=registry)
    out = sandbox.execute("try:\n    print(await weird())\nexcept CallbackError as e:\n    print(e.kind)").stdout
    assert out in ("error\n", "{'a': {'b': 1}}\n"), out


@child()
def test_non_callable_fn_is_refused_at_construction():
    raises((TypeError, eryx.InvalidArgumentError), eryx.Sandbox, callbacks=[{"name": "x", "fn": 5}])


@child()
def test_duplicate_callback_names_are_refused():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: 1, name="dup")
    try:
        registry.add(lambda: 2, name="dup")
    except (ValueError, eryx.InvalidArgumentError):
        return
    raises((ValueError, eryx.InvalidArgumentError), eryx.Sandbox, callbacks=registry)


@child()
def test_empty_and_nul_names_are_refused():
    for name in ("", "a\x00b", "a..b", ".a"):
        def make(name=name):
            registry = eryx.CallbackRegistry()
            registry.add(lambda: 1, name=name)
            eryx.Sandbox(callbacks=registry)
        raises((ValueError, TypeError, eryx.InvalidArgumentError), make)


@child()
def test_non_object_schema_is_refused():
    for schema in ([1], "string", {"type": "string"}, {"type": "object", "properties": 5}):
        def make(schema=schema):
            registry = eryx.CallbackRegistry()
            registry.add(lambda **kw: 1, name="s", schema=schema)
            eryx.Sandbox(callbacks=registry).execute("await s()")
        raises((ValueError, TypeError, eryx.InvalidArgumentError, eryx.ExecutionError), make)


@child()
def test_invalid_regex_in_a_schema_is_a_typed_error():
    def make():
        registry = eryx.CallbackRegistry()
        registry.add(lambda s: s, name="s",
                     schema={"type": "object", "properties": {"s": {"type": "string", "pattern": "(("}}})
        eryx.Sandbox(callbacks=registry).execute("await s('x')")
    raises((eryx.InvalidArgumentError, eryx.ExecutionError), make)


@child()
def test_output_handler_that_raises_does_not_kill_the_host():
    def bad(text):
        raise RuntimeError("handler failure")

    sandbox = eryx.Sandbox(on_stdout=bad)
    try:
        sandbox.execute("print('x')")
    except eryx.EryxError:
        pass
    except RuntimeError as e:
        assert "handler failure" in str(e)
    assert eryx.Sandbox().execute("print(1)").stdout == "1\n"


@child()
def test_output_handler_that_blocks_past_the_timeout_ends_with_the_timeout():
    sandbox = eryx.Sandbox(on_stdout=lambda t: time.sleep(1), resource_limits=limits(execution_timeout_ms=300))
    with within(6):
        raises(eryx.TimeoutError, sandbox.execute, "while True:\n    print('x', flush=True)")


@child()
def test_schema_pattern_on_a_long_string_does_not_crash_the_host():
    registry = eryx.CallbackRegistry()
    registry.add(lambda s: len(s), name="m",
                 schema={"type": "object", "properties": {"s": {"type": "string", "pattern": "^(a|b)*$"}}})
    sandbox = eryx.Sandbox(callbacks=registry)
    out = sandbox.execute("try:\n    print(await m('a' * 30000))\nexcept CallbackError as e:\n    print(e.kind)").stdout
    assert out in ("30000\n", "invalid_arguments\n"), out
    usable(sandbox)


@child()
def test_argument_dict_with_a_hundred_thousand_keys_is_handled_quickly():
    registry = eryx.CallbackRegistry()
    registry.add(lambda **kw: len(kw), name="many", schema={"type": "object"})
    sandbox = eryx.Sandbox(callbacks=registry, resource_limits=limits(max_callback_payload_bytes=64 << 20,
                                                                      execution_timeout_ms=5000))
    code = ("import time\nargs = {f'k{i}': i for i in range(100000)}\nt = time.monotonic()\n"
            "try:\n    r = await invoke('many', **args)\nexcept CallbackError as e:\n    r = e.kind\n"
            "print(time.monotonic() - t < 1.0, r)")
    out = sandbox.execute(code).stdout
    assert out.startswith("True "), out


@child()
def test_callback_named_builtins_is_refused_and_executions_keep_working():
    # docs/guide/callbacks.md: dunder segments are refused at registration.
    registry = eryx.CallbackRegistry()
    raises(eryx.InvalidArgumentError, registry.add, lambda: "dunder", name="__builtins__")
    registry.add(lambda: "plain", name="plain")
    out = eryx.Sandbox(callbacks=registry).execute("print(len('abc'))\nprint(await plain())").stdout
    assert out == "3\nplain\n", out


@child()
def test_lone_surrogate_callback_name_is_a_typed_error():
    def make():
        registry = eryx.CallbackRegistry()
        registry.add(lambda: 1, name="a\udc80")
        eryx.Sandbox(callbacks=registry).execute("print(1)")
    raises(eryx.InvalidArgumentError, make)


@child()
def test_schema_with_a_numeric_type_is_a_typed_error():
    def make():
        registry = eryx.CallbackRegistry()
        registry.add(lambda **kw: 1, name="t", schema={"type": 5})
        eryx.Sandbox(callbacks=registry).execute("print(await t())")
    raises(eryx.InvalidArgumentError, make)


@child()
def test_maximal_callback_timeout_does_not_expire_at_once():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: (time.sleep(0.2), "ok")[1], name="nap")
    sandbox = eryx.Sandbox(callbacks=registry, resource_limits=limits(callback_timeout_ms=365 * 24 * 3600 * 1000))
    assert sandbox.execute("print(await nap())").stdout == "ok\n"


@child()
def test_zero_invocations_and_zero_payload_limits_refuse_every_call():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: 1, name="one")
    code = "try:\n    await one()\nexcept CallbackError as e:\n    print(e.kind)"
    assert guest(code, callbacks=registry, resource_limits=limits(max_callback_invocations=0)) == "limit\n"
    assert guest(code, callbacks=registry, resource_limits=limits(max_callback_payload_bytes=0)) == "too_large\n"
