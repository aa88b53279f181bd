"""Callbacks from Python: functions sandboxed code awaits."""

import asyncio
import gc
import json
import subprocess
import sys
import threading
import time
import weakref

import pytest

import eryx


def make_registry():
    registry = eryx.CallbackRegistry()

    @registry.callback(description="Adds two numbers")
    def add(a: int, b: int = 10) -> int:
        return a + b

    return registry


def test_sync_callback_is_awaited_from_the_sandbox():
    result = eryx.Sandbox(callbacks=make_registry()).execute("print(await add(2, 3))")
    assert result.stdout == "5\n"
    assert result.callback_invocations == 1


def test_parameter_default_applies_when_omitted():
    result = eryx.Sandbox(callbacks=make_registry()).execute("print(await add(1))")
    assert result.stdout == "11\n"


def test_keyword_and_positional_arguments_map_to_parameters():
    result = eryx.Sandbox(callbacks=make_registry()).execute("print(await add(b=2, a=40))")
    assert result.stdout == "42\n"


def test_async_def_callback_is_awaited():
    registry = eryx.CallbackRegistry()

    @registry.callback()
    async def fetch(key: str) -> dict:
        await asyncio.sleep(0.01)
        return {"key": key, "ok": True}

    result = eryx.Sandbox(callbacks=registry).execute("print(await fetch('k'))")
    assert result.stdout == "{'key': 'k', 'ok': True}\n"


def test_gather_runs_callbacks_concurrently():
    registry = eryx.CallbackRegistry()

    @registry.callback
    def nap(i: int) -> int:
        time.sleep(0.4)
        return i

    start = time.perf_counter()
    result = eryx.Sandbox(callbacks=registry).execute(
        "import asyncio\nprint(await asyncio.gather(nap(1), nap(2), nap(3), nap(4)))"
    )
    assert result.stdout == "[1, 2, 3, 4]\n"
    assert time.perf_counter() - start < 1.0


def test_async_callbacks_gather_concurrently():
    registry = eryx.CallbackRegistry()

    @registry.callback
    async def nap(i: int) -> int:
        await asyncio.sleep(0.4)
        return i

    start = time.perf_counter()
    result = eryx.Sandbox(callbacks=registry).execute(
        "import asyncio\nprint(await asyncio.gather(*(nap(i) for i in range(4))))"
    )
    assert result.stdout == "[0, 1, 2, 3]\n"
    assert time.perf_counter() - start < 1.0


def test_list_of_dicts_is_accepted():
    callbacks = [
        {"name": "double", "fn": lambda x: x * 2, "description": "Doubles",
         "schema": {"type": "object", "properties": {"x": {"type": "number"}},
                    "required": ["x"]}},
    ]
    result = eryx.Sandbox(callbacks=callbacks).execute("print(await double(21))")
    assert result.stdout == "42\n"


def test_list_callbacks_reports_inferred_schemas():
    registry = eryx.CallbackRegistry()

    @registry.callback()
    def search(query: str, limit: int = 5, exact: bool = False, ratio: float = 0.5,
               tags: list = None, meta: dict = None):
        """Searches the index.

        More text that is not part of the description."""
        return []

    result = eryx.Sandbox(callbacks=registry).execute(
        "import json\nprint(json.dumps(list_callbacks()))"
    )
    (listed,) = json.loads(result.stdout)
    assert listed["name"] == "search"
    assert listed["description"] == "Searches the index."
    schema = listed["parameters_schema"]
    assert list(schema["properties"]) == ["query", "limit", "exact", "ratio", "tags", "meta"]
    assert [schema["properties"][k]["type"] for k in schema["properties"]] == [
        "string", "integer", "boolean", "number", "array", "object"]
    assert schema["required"] == ["query"]


def test_none_annotation_maps_to_null():
    schema = eryx._callbacks.infer_schema(lambda x: None)
    assert schema["properties"]["x"] == {}
    def f(x: None, y: int | None = None): ...
    schema = eryx._callbacks.infer_schema(f)
    assert schema["properties"]["x"] == {"type": "null"}
    assert schema["properties"]["y"]["type"] == ["integer", "null"]


def test_dotted_names_are_namespaces_and_invoke_reaches_them():
    registry = eryx.CallbackRegistry()
    registry.add(lambda key: f"v:{key}", name="store.kv.get", description="Reads a key")
    result = eryx.Sandbox(callbacks=registry).execute(
        "print(await store.kv.get(key='a'))\nprint(await invoke('store.kv.get', key='b'))"
    )
    assert result.stdout == "v:a\nv:b\n"


def test_name_shadowing_a_builtin_is_reachable_only_through_invoke():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: "host len", name="len")
    result = eryx.Sandbox(callbacks=registry).execute(
        "print(len('abc'))\nprint(await invoke('len'))"
    )
    assert result.stdout == "3\nhost len\n"


def test_host_exception_raises_catchable_error_with_message():
    registry = eryx.CallbackRegistry()

    @registry.callback
    def boom():
        raise ValueError("bad things")

    result = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    await boom()\nexcept CallbackError as e:\n    print(e)"
    )
    assert result.stdout == "ValueError: bad things\n"


def test_async_host_exception_raises_in_guest():
    registry = eryx.CallbackRegistry()

    @registry.callback
    async def boom():
        raise KeyError("missing")

    result = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    await boom()\nexcept Exception as e:\n    print(type(e).__name__, e)"
    )
    assert result.stdout == "CallbackError KeyError: 'missing'\n"


def test_uncaught_callback_error_is_execution_error():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: 1 / 0, name="divide")
    with pytest.raises(eryx.ExecutionError, match="ZeroDivisionError"):
        eryx.Sandbox(callbacks=registry).execute("await divide()")


def test_unserialisable_result_is_an_error_in_guest():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: object(), name="weird")
    result = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    await weird()\nexcept CallbackError as e:\n    print('not JSON' in str(e) or 'JSON' in str(e))"
    )
    assert result.stdout == "True\n"


def test_bad_arguments_are_rejected_before_the_function_runs():
    called = []
    registry = eryx.CallbackRegistry()

    @registry.callback
    def add(a: int, b: int) -> int:
        called.append(1)
        return a + b

    result = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    await add('x', 1)\nexcept CallbackError as e:\n    print(e.kind)\n"
        "try:\n    await add(1, 2, c=3)\nexcept CallbackError as e:\n    print(e.kind)"
    )
    assert result.stdout == "invalid_arguments\ninvalid_arguments\n"
    assert called == []


def test_unknown_callback_through_invoke_raises():
    result = eryx.Sandbox(callbacks=make_registry()).execute(
        "try:\n    await invoke('missing')\nexcept CallbackError as e:\n    print(e.kind)"
    )
    assert result.stdout == "unknown\n"


def test_callback_timeout_raises_timeout_error_in_guest():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: time.sleep(2), name="slow")
    limits = eryx.ResourceLimits(callback_timeout_ms=100)
    start = time.perf_counter()
    result = eryx.Sandbox(callbacks=registry, resource_limits=limits).execute(
        "try:\n    await slow()\nexcept TimeoutError:\n    print('timed out')"
    )
    assert result.stdout == "timed out\n"
    assert time.perf_counter() - start < 1.5


def test_invocation_limit_raises_resource_limit_error_when_uncaught():
    limits = eryx.ResourceLimits(max_callback_invocations=3)
    sandbox = eryx.Sandbox(callbacks=make_registry(), resource_limits=limits)
    with pytest.raises(eryx.ResourceLimitError):
        sandbox.execute("for i in range(10):\n    await add(i, 1)")
    result = sandbox.execute(
        "try:\n    for i in range(10):\n        await add(i, 1)\n"
        "except CallbackError as e:\n    print(e.kind)"
    )
    assert result.stdout == "limit\n"
    assert result.callback_invocations == 3


def test_oversized_arguments_are_rejected():
    registry = eryx.CallbackRegistry()
    registry.add(lambda s: len(s), name="size")
    limits = eryx.ResourceLimits(max_callback_payload_bytes=1024)
    result = eryx.Sandbox(callbacks=registry, resource_limits=limits).execute(
        "try:\n    await size('x' * 10000)\nexcept CallbackError as e:\n    print(e.kind)\n"
        "print(await size('small'))"
    )
    assert result.stdout == "too_large\n5\n"


def test_session_keeps_callbacks_across_executes():
    session = eryx.Session(callbacks=make_registry())
    session.execute("total = await add(1, 1)")
    assert session.execute("print(await add(total, 1))").stdout == "3\n"
    assert session.execute("print(total)").stdout == "2\n"


def test_callback_reentering_its_session_raises_clearly_without_deadlock():
    holder = {}

    def reenter():
        holder["session"].execute("pass")

    registry = eryx.CallbackRegistry()
    registry.add(reenter, name="reenter")
    holder["session"] = eryx.Session(callbacks=registry)
    result = holder["session"].execute(
        "try:\n    await reenter()\nexcept CallbackError as e:\n    print('deadlock' in str(e))"
    )
    assert result.stdout == "True\n"


def test_async_callbacks_run_on_the_callers_loop_with_execute_async():
    seen = {}
    registry = eryx.CallbackRegistry()

    @registry.callback
    async def where() -> bool:
        seen["loop"] = asyncio.get_running_loop()
        return True

    async def main():
        result = await eryx.Sandbox(callbacks=registry).execute_async("print(await where())")
        return result, asyncio.get_running_loop()

    result, loop = asyncio.run(main())
    assert result.stdout == "True\n"
    assert seen["loop"] is loop


def test_factory_sandboxes_accept_callbacks():
    factory = eryx.SandboxFactory(imports=["json"])
    sandbox = factory.create_sandbox(callbacks=make_registry())
    assert sandbox.execute("print(await add(1, 2))").stdout == "3\n"


def test_registry_is_sized_and_iterable():
    registry = make_registry()
    registry.add(lambda: None, name="noop")
    assert len(registry) == 2
    assert [entry["name"] for entry in registry] == ["add", "noop"]
    assert "add" in registry


def test_registry_rejects_duplicates_and_non_callables():
    registry = make_registry()
    with pytest.raises(ValueError):
        registry.add(lambda a, b: 0, name="add")
    with pytest.raises(TypeError):
        registry.add(42, name="x")


def test_invalid_callback_name_is_rejected_at_registration():
    registry = eryx.CallbackRegistry()
    with pytest.raises(eryx.InvalidArgumentError, match="not a name"):
        registry.add(lambda: 0, name="not a name")
    assert len(registry) == 0


@pytest.mark.parametrize("name", ["", "a b", "a\0b", "1x", "a..b"])
def test_malformed_callback_name_is_invalid_argument(name):
    with pytest.raises(eryx.InvalidArgumentError):
        eryx.CallbackRegistry().add(lambda: 0, name=name)


def test_callback_name_with_a_lone_surrogate_is_invalid_argument():
    with pytest.raises(eryx.InvalidArgumentError, match="Unicode"):
        eryx.CallbackRegistry().add(lambda: 0, name="\ud800")


def test_description_with_a_lone_surrogate_is_invalid_argument():
    with pytest.raises(eryx.InvalidArgumentError, match="Unicode"):
        eryx.CallbackRegistry().add(lambda: 0, name="f", description="\udfff")


@pytest.mark.parametrize("name", ["__builtins__", "__name__", "tools.__class__"])
def test_dunder_callback_name_is_refused_and_executions_keep_working(name):
    registry = make_registry()
    with pytest.raises(eryx.InvalidArgumentError, match="reserved"):
        registry.add(lambda: 0, name=name)
    result = eryx.Sandbox(callbacks=registry).execute("print(await add(1, 2), len('ab'))")
    assert result.stdout == "3 2\n"


def test_list_of_dicts_with_a_dunder_name_is_refused():
    with pytest.raises(eryx.InvalidArgumentError):
        eryx.Sandbox(callbacks=[{"name": "__builtins__", "fn": lambda: 0}])


def test_schema_with_a_non_string_type_is_invalid_argument_naming_the_callback():
    with pytest.raises(eryx.InvalidArgumentError, match="'typed'"):
        eryx.CallbackRegistry().add(lambda: 0, name="typed", schema={"type": 5})


@pytest.mark.parametrize(
    "kwargs",
    [{"schema": [("type", "object")]}, {"description": 42}, {"name": 7}],
    ids=["schema-not-a-dict", "description-not-a-str", "name-not-a-str"],
)
def test_registration_argument_of_the_wrong_type_is_type_error(kwargs):
    kwargs.setdefault("name", "f")
    with pytest.raises(TypeError):
        eryx.CallbackRegistry().add(lambda: 0, **kwargs)


def test_schema_that_is_not_json_is_invalid_argument():
    schema = {"type": "object", "properties": {"x": {"maximum": float("nan")}}}
    with pytest.raises(eryx.InvalidArgumentError, match="not valid JSON"):
        eryx.CallbackRegistry().add(lambda x: 0, name="f", schema=schema)


def string_schema(pattern):
    return {
        "type": "object",
        "properties": {"s": {"type": "string", "pattern": pattern}},
        "required": ["s"],
    }


def test_backreference_pattern_is_refused_at_registration():
    with pytest.raises(eryx.InvalidArgumentError, match="not supported"):
        eryx.CallbackRegistry().add(lambda s: s, name="f", schema=string_schema(r"(a)\1"))


def test_long_guest_string_against_a_pattern_does_not_crash_the_host():
    # std::regex overflowed the host's stack on ~30,000 characters here.
    registry = eryx.CallbackRegistry()
    registry.add(lambda s: len(s), name="f", schema=string_schema("^(a|b)*$"))
    result = eryx.Sandbox(callbacks=registry).execute(
        "print(await f('ab' * 500_000))\n"
        "try:\n    await f('ab' * 500_000 + 'c')\nexcept CallbackError as e:\n    print(e.kind)"
    )
    assert result.stdout == "1000000\ninvalid_arguments\n"


def test_four_mib_of_open_brackets_from_the_guest_are_refused():
    # Sent raw through the guest's _eryx module, as a hostile guest could.
    registry = eryx.CallbackRegistry()
    registry.add(lambda **kwargs: 0, name="f")
    result = eryx.Sandbox(callbacks=registry).execute(
        "import _eryx\n"
        "_eryx.start('f', '{\"a\": ' + '[' * (4 * 1024 * 1024 - 16))\n"
        "[(handle, status, payload)] = _eryx.wait(-1)\n"
        "print(status, payload[-40:])"
    )
    assert result.stdout.startswith("2 ") and "nested deeper than 256" in result.stdout


def test_hundred_thousand_key_dicts_cross_the_boundary_quickly():
    registry = eryx.CallbackRegistry()

    @registry.callback
    def count(d: dict) -> int:
        return len(d)

    @registry.callback
    def build(n: int) -> dict:
        return {f"k{i}": i for i in range(n)}

    sandbox = eryx.Sandbox(callbacks=registry)
    sandbox.execute("pass")
    start = time.perf_counter()
    result = sandbox.execute(
        "d = {f'k{i}': i for i in range(100_000)}\n"
        "print(await count(d), len(await build(100_000)))"
    )
    assert result.stdout == "100000 100000\n"
    assert time.perf_counter() - start < 5  # ~10 s each way with a quadratic decoder


def test_large_async_result_is_decoded_without_holding_the_gil():
    registry = eryx.CallbackRegistry()

    @registry.callback
    async def build(n: int) -> dict:
        return {f"k{i}": i for i in range(n)}

    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        result = eryx.Sandbox(callbacks=registry).execute("print(len(await build(200_000)))")
    finally:
        stop.set()
        thread.join()
    assert result.stdout == "200000\n"
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    # Generous for busy machines: a decoder holding the GIL freezes the ticker for the whole decode.
    assert max(gaps) < 1.0, f"another thread was frozen for {max(gaps):.2f} s"


def test_timed_out_async_callback_leaks_no_instances_at_exit():
    code = """
import asyncio, eryx
registry = eryx.CallbackRegistry()

@registry.callback
async def slow() -> int:
    await asyncio.sleep(60)
    return 0

limits = eryx.ResourceLimits(callback_timeout_ms=50)
result = eryx.Sandbox(callbacks=registry, resource_limits=limits).execute(
    "try:\\n    await slow()\\nexcept TimeoutError:\\n    print('timed out')")
print(result.stdout, end="")
"""
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout == "timed out\n"
    assert "leaked" not in process.stderr, process.stderr


def test_callbacks_run_in_parallel_threads_of_a_pool():
    threads = set()
    lock = threading.Lock()
    registry = eryx.CallbackRegistry()

    @registry.callback
    def who() -> int:
        with lock:
            threads.add(threading.get_ident())
        time.sleep(0.1)
        return 0

    eryx.Sandbox(callbacks=registry).execute(
        "import asyncio\nawait asyncio.gather(*(who() for _ in range(4)))"
    )
    assert len(threads) >= 2
    assert threading.get_ident() not in threads


def test_sandbox_referenced_by_its_own_callback_is_garbage_collected():
    collected = []

    class Marker:
        pass

    marker = Marker()
    weakref.finalize(marker, collected.append, True)

    def callback():
        return repr((marker, sandbox))

    sandbox = eryx.Sandbox(callbacks=[{"name": "f", "fn": callback}], on_stdout=lambda s: sandbox)
    sandbox.execute("await f()")
    del marker, sandbox, callback
    gc.collect()
    assert collected == [True]


def test_callback_may_run_another_sandbox_with_streaming_output():
    streamed = []
    inner = eryx.Sandbox(on_stdout=streamed.append)
    registry = eryx.CallbackRegistry()
    registry.add(lambda: inner.execute("print('inner')").stdout, name="nested")
    result = eryx.Sandbox(callbacks=registry).execute("print(await nested(), end='')")
    assert result.stdout == "inner\n"
    assert "".join(streamed) == "inner\n"


def test_base_exception_in_callback_becomes_callback_error():
    registry = eryx.CallbackRegistry()

    def leave():
        raise SystemExit(3)

    registry.add(leave, name="leave")
    result = eryx.Sandbox(callbacks=registry).execute(
        "try:\n    await leave()\nexcept CallbackError as e:\n    print(e)"
    )
    assert result.stdout == "SystemExit: 3\n"
